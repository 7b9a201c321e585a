//! Storage: one `sqlx::AnyPool` over SQLite (embedded, the default) or
//! PostgreSQL, chosen by the URL's scheme, each with its own migrations.
//! Queries use `$n` placeholders and BIGINT flags/times so one set of SQL
//! serves both.

use std::path::Path;
use std::sync::Arc;

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
    /// SQLite: this process's writers take turns, first come first served
    /// (see [`Db::write_turn`]).
    turn: Arc<tokio::sync::Mutex<()>>,
}

/// A writer's turn on SQLite, held until its transaction ends.
pub type WriteTurn = Option<tokio::sync::OwnedMutexGuard<()>>;

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
        let db = Db { pool, backend, turn: Arc::default() };
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
        let failed = |e: &dyn std::fmt::Display| format!("migrations failed: {e}");
        match self.backend {
            Backend::Postgres => sqlx::migrate!("./migrations/postgres")
                .run(&self.pool)
                .await
                .map_err(|e| failed(&e)),
            Backend::Sqlite => {
                // SQLite rebuilds a table to add a constraint; with foreign
                // keys on, dropping the old table would cascade. Migrate on
                // one connection with them off, then check every key.
                use sqlx::Executor;
                let mut conn = self.pool.acquire().await.map_err(|e| failed(&e))?;
                conn.execute("PRAGMA foreign_keys = OFF").await.map_err(|e| failed(&e))?;
                let result = sqlx::migrate!("./migrations/sqlite").run(&mut *conn).await;
                let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut *conn).await;
                conn.execute("PRAGMA foreign_keys = ON").await.map_err(|e| failed(&e))?;
                result.map_err(|e| failed(&e))?;
                match broken {
                    Ok(rows) if rows.is_empty() => Ok(()),
                    Ok(rows) => Err(failed(&format!("{} rows break a foreign key", rows.len()))),
                    Err(e) => Err(failed(&e)),
                }
            }
        }
    }

    /// Starts a transaction (reads that need no snapshot across statements).
    pub async fn begin(&self) -> Result<Tx, AppError> {
        Ok(self.pool.begin().await?)
    }

    /// Starts a read transaction: every statement in it sees one snapshot
    /// (PostgreSQL: REPEATABLE READ; SQLite: a deferred transaction in WAL
    /// mode reads one snapshot from its first statement on).
    pub async fn begin_read(&self) -> Result<Tx, AppError> {
        Ok(match self.backend {
            Backend::Postgres => {
                self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ").await?
            }
            Backend::Sqlite => self.pool.begin().await?,
        })
    }

    /// SQLite: waits for this process's earlier writers, in arrival order.
    /// SQLite has one write lock per database, and a `BEGIN IMMEDIATE` that
    /// finds it taken sleeps in the busy handler with growing back-off while
    /// other connections keep winning it (one write waited 1.2 s behind
    /// 0.5 ms writes in the server bench); a FIFO queue in front of it makes
    /// the wait the sum of the writes ahead. PostgreSQL: no turn (row locks).
    pub async fn write_turn(&self) -> WriteTurn {
        match self.backend {
            Backend::Sqlite => Some(self.turn.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }

    /// Starts a write transaction. SQLite: `BEGIN IMMEDIATE` takes the
    /// database's write lock at once (waiting up to the busy timeout), so a
    /// transaction never fails half-way upgrading from a read. PostgreSQL:
    /// READ COMMITTED; the write path then locks the rows it changes.
    pub async fn begin_write(&self) -> Result<Tx, AppError> {
        Ok(match self.backend {
            Backend::Postgres => self.pool.begin().await?,
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
        })
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
