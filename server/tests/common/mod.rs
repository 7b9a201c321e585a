//! The HTTP test harness: the real router driven with `oneshot`, on a fresh
//! SQLite file or a fresh PostgreSQL database per test.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod companies;
pub mod contract;
pub mod explain;
pub mod grant_expiry;
pub mod need_to_know;
pub mod scenarios;
pub mod security;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::db::Db;
use server::mail::Mailer;
use server::{AppState, app};
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub dir: tempfile::TempDir,
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Client {
    pub id: i64,
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = Db::sqlite_url(dir.path()).unwrap();
        Self::with_url(&url, dir).await
    }

    /// A fresh database on the server named by `GATEHOUSE_TEST_PG_URL`.
    pub async fn postgres() -> TestApp {
        let admin = std::env::var("GATEHOUSE_TEST_PG_URL").expect(
            "GATEHOUSE_TEST_PG_URL must name a PostgreSQL server (cargo xtask test starts one)",
        );
        sqlx::any::install_default_drivers();
        let name = format!("t_{}", server::auth::random_token());
        let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.unwrap();
        pool.close().await;
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap();
        let dir = tempfile::tempdir().unwrap();
        Self::with_url(&format!("{base}/{name}"), dir).await
    }

    async fn with_url(url: &str, dir: tempfile::TempDir) -> TestApp {
        let db = Db::connect(url).await.unwrap();
        let mailer = Mailer::from_settings(None, dir.path().join("outbox")).unwrap();
        // Every cached answer is checked against a fresh load in the tests.
        let cache = server::facts_cache::FactsCache::new(64, true);
        // Tests sign in often from one address: the per-address limit is
        // tested on its own (`sign_in_abuse`).
        let state = AppState::new(db, mailer, "http://gatehouse.test".into(), cache)
            .with_sign_in_limits(Vec::new(), 100_000);
        TestApp { router: app(state.clone(), None), state, dir }
    }

    /// Sends a request; returns status and JSON body (Null if empty).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        who: Option<&Client>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(c) = who {
            req = req
                .header("cookie", format!("gatehouse_session={}", c.cookie))
                .header("x-csrf-token", &c.csrf);
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string()))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("gatehouse_session="))
            .map(ToOwned::to_owned);
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let mut value: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        if let (Some(cookie), Value::Object(map)) = (cookie, &mut value) {
            map.insert("__cookie".into(), json!(cookie));
        }
        (status, value)
    }

    /// A GET with extra headers; returns status, headers and the raw body.
    pub async fn get_with(
        &self,
        path: &str,
        who: &Client,
        headers: &[(&str, &str)],
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut req = Request::builder()
            .method("GET")
            .uri(path)
            .header("cookie", format!("gatehouse_session={}", who.cookie));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = self.router.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, headers, bytes)
    }

    pub async fn get(&self, path: &str, who: &Client) -> (StatusCode, Value) {
        self.call("GET", path, None, Some(who)).await
    }

    pub async fn post(&self, path: &str, body: Value, who: &Client) -> (StatusCode, Value) {
        self.call("POST", path, Some(body), Some(who)).await
    }

    /// Signs in and returns the client (demo password unless given).
    pub async fn login(&self, email: &str) -> Client {
        self.login_with(email, server::demo::PASSWORD).await
    }

    pub async fn login_with(&self, email: &str, password: &str) -> Client {
        let (status, v) = self
            .call(
                "POST",
                "/api/auth/login",
                Some(json!({"email": email, "password": password})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {email}: {v}");
        client_from(&v)
    }

    /// Seeds the demo and returns the demo workspace id.
    pub async fn demo(&self) -> i64 {
        server::demo::seed_if_empty(&self.state).await.unwrap().unwrap();
        let owner = self.login("owner@beta.example").await;
        let (_, me) = self.get("/api/me", &owner).await;
        me["workspaces"][0]["id"].as_i64().unwrap()
    }

    /// Row counts of every table: "nothing changed" means these are equal.
    pub async fn counts(&self) -> Vec<(String, i64, String)> {
        let mut out = Vec::new();
        for t in [
            "accounts",
            "companies",
            "company_members",
            "workspaces",
            "members",
            "invitations",
            "access_requests",
            "groups",
            "group_members",
            "resources",
            "resource_groups",
            "grants",
            "grant_workspaces",
            "audit",
            "changes",
            "outbox",
        ] {
            let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {t}"))
                .fetch_one(&self.state.db.pool)
                .await
                .unwrap();
            let n: i64 = sqlx::Row::try_get(&row, "n").unwrap();
            out.push((t.to_owned(), n, String::new()));
        }
        // Values that change without changing counts.
        let rows = sqlx::query(
            "SELECT workspace_id, account_id, role FROM members ORDER BY workspace_id, account_id",
        )
        .fetch_all(&self.state.db.pool)
        .await
        .unwrap();
        let members: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{}:{}:{}",
                    sqlx::Row::try_get::<i64, _>(r, "workspace_id").unwrap(),
                    sqlx::Row::try_get::<i64, _>(r, "account_id").unwrap(),
                    sqlx::Row::try_get::<String, _>(r, "role").unwrap()
                )
            })
            .collect();
        out.push(("member roles".into(), 0, members.join(",")));
        let rows = sqlx::query("SELECT toggles_admin, toggles_developer, toggles_version, data_studio FROM workspaces ORDER BY id").fetch_all(&self.state.db.pool).await.unwrap();
        let ws: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{}|{}|{}|{}",
                    sqlx::Row::try_get::<String, _>(r, "toggles_admin").unwrap(),
                    sqlx::Row::try_get::<String, _>(r, "toggles_developer").unwrap(),
                    sqlx::Row::try_get::<i64, _>(r, "toggles_version").unwrap(),
                    sqlx::Row::try_get::<i64, _>(r, "data_studio").unwrap()
                )
            })
            .collect();
        out.push(("workspace settings".into(), 0, ws.join(",")));
        out
    }

    /// The policy's facts for `actor` in workspace `ws` (or in `companies`),
    /// straight from the database.
    pub async fn facts(&self, actor: i64, ws: &[i64], companies: &[i64]) -> policy::Facts {
        let mut tx = self.state.db.begin().await.unwrap();
        let mut facts = match ws.first() {
            Some(&w) => policy::Facts::new(
                server::load::workspace_facts(&mut tx, w).await.unwrap().unwrap_or_default(),
            ),
            None => policy::Facts::new(
                server::load::company_facts(&mut tx, actor, companies).await.unwrap(),
            ),
        };
        if let Some(a) = server::load::account(&mut tx, actor).await.unwrap() {
            facts.apply([policy::Change::Account { id: actor, account: Some(a) }]);
        }
        tx.commit().await.unwrap();
        facts
    }

    /// The newest mailed link to `http://gatehouse.test/{kind}/...`.
    pub fn last_link(&self, kind: &str) -> String {
        let dir = self.dir.path().join("outbox");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| (e.metadata().unwrap().modified().unwrap(), e.path()))
            .collect();
        files.sort();
        let prefix = format!("http://gatehouse.test/{kind}/");
        for (_, f) in files.iter().rev() {
            let text = std::fs::read_to_string(f).unwrap().replace("=\r\n", "").replace("=\n", "");
            if let Some(start) = text.find(&prefix) {
                return text[start..]
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('=')
                    .to_owned();
            }
        }
        panic!("no {kind} link in the outbox");
    }

    /// The newest .eml in the outbox, and the invitation link in it.
    pub fn last_invitation_link(&self) -> String {
        let dir = self.dir.path().join("outbox");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| (e.metadata().unwrap().modified().unwrap(), e.path()))
            .collect();
        files.sort();
        let text =
            std::fs::read_to_string(&files.last().expect("an email in the outbox").1).unwrap();
        let text = text.replace("=\r\n", "").replace("=\n", "");
        let start = text.find("http://gatehouse.test/invite/").expect("link in email");
        text[start..].split_whitespace().next().unwrap().trim_end_matches('=').to_owned()
    }
}

pub fn client_from(v: &Value) -> Client {
    let cookie = v["__cookie"].as_str().unwrap();
    let value =
        cookie.trim_start_matches("gatehouse_session=").split(';').next().unwrap().to_owned();
    Client {
        id: v["account"]["id"].as_i64().unwrap(),
        cookie: value,
        csrf: v["csrf_token"].as_str().unwrap().to_owned(),
    }
}

/// Generates one `#[tokio::test]` per scenario for a backend; with
/// `ignored` first, the tests are `#[ignore]`d (run with `--ignored`).
#[macro_export]
macro_rules! scenarios {
    (ignored $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            #[ignore = "needs PostgreSQL; cargo xtask test starts one"]
            async fn $name() {
                common::scenarios::$name($make.await).await;
            }
        )*
    };
    ($make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                common::scenarios::$name($make.await).await;
            }
        )*
    };
}
