//! Storage: one `sqlx::AnyPool` over SQLite (embedded, the default) or
//! PostgreSQL, chosen by the URL's scheme, each with its own migrations.
//! Queries use `$n` placeholders and BIGINT flags/times so one set of SQL
//! serves both.

use std::path::Path;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Row, Transaction};

use crate::error::AppError;

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The pool and its backend.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// A write or read transaction.
pub type Tx = Transaction<'static, Any>;

impl Db {
    /// Connects and runs migrations. `url` is `postgres://...` or
    /// `sqlite://PATH`.
    pub async fn connect(url: &str) -> Result<Db, String> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(format!("unsupported database URL `{url}` (use sqlite: or postgres://)"));
        };
        let options =
            AnyPoolOptions::new().max_connections(if backend == Backend::Sqlite { 4 } else { 8 });
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;").await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool =
            options.connect(url).await.map_err(|e| format!("cannot open the database: {e}"))?;
        let db = Db { pool, backend };
        db.migrate().await?;
        Ok(db)
    }

    /// The embedded database file under `data`.
    pub fn sqlite_url(data: &Path) -> Result<String, String> {
        std::fs::create_dir_all(data)
            .map_err(|e| format!("cannot create {}: {e}", data.display()))?;
        let file = data.join("gatehouse.db");
        Ok(format!("sqlite://{}?mode=rwc", file.display()))
    }

    async fn migrate(&self) -> Result<(), String> {
        let result = match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&self.pool).await,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&self.pool).await,
        };
        result.map_err(|e| format!("migrations failed: {e}"))
    }

    /// Starts a transaction.
    pub async fn begin(&self) -> Result<Tx, AppError> {
        Ok(self.pool.begin().await?)
    }
}

/// `$start, $start+1, ...` for `n` values, for `IN (...)` lists.
pub fn placeholders(start: usize, n: usize) -> String {
    (start..start + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Reads a column, mapping a decode error to an internal error.
pub fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T, AppError>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    row.try_get(name).map_err(|e| AppError::Internal(format!("column `{name}`: {e}")))
}

/// Writes one audit record in the same transaction as the change.
#[allow(clippy::too_many_arguments)]
pub async fn audit(
    tx: &mut Tx,
    workspace: Option<i64>,
    company: Option<i64>,
    actor: i64,
    now: i64,
    kind: &str,
    subject: &str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO audit (workspace_id, company_id, actor_id, at, kind, subject, before, after) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(workspace)
    .bind(company)
    .bind(actor)
    .bind(now)
    .bind(kind)
    .bind(subject)
    .bind(before.to_string())
    .bind(after.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The `name` column of `table` for `ids`, in one query per 500 ids.
pub async fn names(
    tx: &mut Tx,
    table: &'static str,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, AppError> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let sql =
            format!("SELECT id, name FROM {table} WHERE id IN ({})", placeholders(1, chunk.len()));
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut **tx).await? {
            out.insert(col(&r, "id")?, col(&r, "name")?);
        }
    }
    Ok(out)
}
