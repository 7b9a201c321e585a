//! The bench's tenants: 50 S workspaces, a partner company with an admin
//! and an analyst per workspace, a session for everyone (written straight
//! into the database before the server starts: no 5,000 sign-ins).

use sqlx::Row;

use crate::WORKSPACES;
use crate::live_support::Who;

/// One seeded workspace and its people's sessions.
#[derive(Clone, Debug)]
pub(crate) struct Tenant {
    pub(crate) ws: i64,
    pub(crate) company: i64,
    pub(crate) owner: Who,
    pub(crate) admin: Who,
    /// Every member (owner and admins too), a session each.
    pub(crate) members: Vec<(Who, String)>,
    /// A partner analyst for the key cycles.
    pub(crate) analyst: Who,
}

/// Seeds 50 S workspaces, a partner company with an admin and an analyst
/// per workspace, and a session for everyone (written straight into the
/// database, before the server starts: no 5,000 sign-ins).
pub(crate) async fn seed(url: &str) -> (Vec<Tenant>, Who, i64) {
    let db = server::db::Db::connect(url).await.unwrap();
    let now = i64::try_from(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(),
    )
    .unwrap();
    let seeded = server::bench_seed::seed(&db, server::bench_seed::S, WORKSPACES, "live", now)
        .await
        .unwrap();
    let pool = db.pool.clone();
    let hash: String = sqlx::query("SELECT password_hash FROM accounts LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    let partner: i64 = sqlx::query("INSERT INTO companies (name, partner_enabled, client_enabled) VALUES ('Live Partner', 1, 0) RETURNING id")
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    sqlx::query("UPDATE companies SET client_enabled = 1 WHERE id <> $1")
        .bind(partner)
        .execute(&pool)
        .await
        .unwrap();
    let account = |email: String| {
        let (pool, hash) = (pool.clone(), hash.clone());
        async move {
            let id: i64 = sqlx::query("INSERT INTO accounts (email, name, password_hash, support, created_at, verified_at) VALUES ($1, $1, $2, 0, $3, $3) RETURNING id")
                .bind(&email)
                .bind(&hash)
                .bind(now)
                .fetch_one(&pool)
                .await
                .unwrap()
                .get(0);
            id
        }
    };
    let boss_id = account("boss@live-partner.example".into()).await;
    sqlx::query("INSERT INTO company_members (company_id, account_id, admin) VALUES ($1, $2, 1)")
        .bind(partner)
        .bind(boss_id)
        .execute(&pool)
        .await
        .unwrap();
    let mut sessions: Vec<(i64, String, String)> = Vec::new();
    let mut session = |id: i64| {
        let token = server::auth::random_token();
        let csrf = server::auth::random_token();
        sessions.push((id, server::auth::token_hash(&token), csrf.clone()));
        Who { id, cookie: token, csrf }
    };
    let boss = session(boss_id);
    let mut tenants = Vec::new();
    for (i, s) in seeded.iter().enumerate() {
        let rows = sqlx::query("SELECT m.account_id, m.role FROM members m WHERE m.workspace_id = $1 ORDER BY m.account_id")
            .bind(s.workspace)
            .fetch_all(&pool)
            .await
            .unwrap();
        let company: i64 = sqlx::query("SELECT company_id FROM workspaces WHERE id = $1")
            .bind(s.workspace)
            .fetch_one(&pool)
            .await
            .unwrap()
            .get(0);
        let members: Vec<(Who, String)> =
            rows.iter().map(|r| (session(r.get::<i64, _>(0)), r.get::<String, _>(1))).collect();
        let owner = members.iter().find(|m| m.1 == "owner").unwrap().0.clone();
        let admin = members.iter().find(|m| m.1 == "admin").unwrap().0.clone();
        let analyst_id = account(format!("analyst{i}@live-partner.example")).await;
        sqlx::query(
            "INSERT INTO company_members (company_id, account_id, admin) VALUES ($1, $2, 0)",
        )
        .bind(partner)
        .bind(analyst_id)
        .execute(&pool)
        .await
        .unwrap();
        let analyst = session(analyst_id);
        tenants.push(Tenant { ws: s.workspace, company, owner, admin, members, analyst });
    }
    for chunk in sessions.chunks(500) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${}, ${})", i * 4 + 1, i * 4 + 2, i * 4 + 3, i * 4 + 4))
            .collect();
        let sql = format!(
            "INSERT INTO sessions (token_hash, account_id, csrf_token, expires_at) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (id, hash, csrf) in chunk {
            q = q.bind(hash.clone()).bind(*id).bind(csrf.clone()).bind(now + 14 * 24 * 3600);
        }
        q.execute(&pool).await.unwrap();
    }
    pool.close().await;
    (tenants, boss, partner)
}
