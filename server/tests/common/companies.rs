//! Company membership, email verification and look-alike addresses over
//! HTTP (SPEC 1, 7, 8), on SQLite and PostgreSQL.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{TestApp, client_from};

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

pub async fn company_membership_and_verification(app: TestApp) {
    let ws = app.demo().await;
    let owner = app.login("owner@beta.example").await;
    let admin = app.login("admin@beta.example").await;
    let boss = app.login("boss@techhelp.example").await;
    let analyst = app.login("analyst@techhelp.example").await;
    let (_, me) = app.get("/api/me", &owner).await;
    let beta = me["companies"][0]["id"].as_i64().unwrap();
    let (_, me) = app.get("/api/me", &boss).await;
    let techhelp = me["companies"][0]["id"].as_i64().unwrap();

    // A new account is unverified: it cannot be added to a company yet.
    let (s, v) = app
        .call(
            "POST",
            "/api/auth/signup",
            Some(
                json!({"email": "Newbie@Else.io", "name": "Newbie", "password": "newbie password"}),
            ),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["account"]["verified"], false);
    let newbie = client_from(&v);
    let add = json!({"email": "newbie@else.io"});
    let (s, v) = app.post(&format!("/api/companies/{beta}/members"), add.clone(), &owner).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "account_not_verified"), "{v}");
    // The link mailed at sign-up verifies it, once.
    let token = app.last_link("verify").rsplit('/').next().unwrap().to_owned();
    let (s, v) = app.call("POST", "/api/auth/verify", Some(json!({"token": token})), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.call("POST", "/api/auth/verify", Some(json!({"token": token})), None).await;
    assert_eq!((s, code(&v)), (StatusCode::GONE, "gone"), "single use: {v}");
    let (_, me) = app.get("/api/me", &newbie).await;
    assert_eq!(me["account"]["verified"], true);
    let (s, v) = app.post(&format!("/api/companies/{beta}/members"), add.clone(), &owner).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.post(&format!("/api/companies/{beta}/members"), add, &owner).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "already_in_company"), "{v}");

    // Promote, demote, never the last admin; a plain member manages nothing.
    let member = |id: i64| format!("/api/companies/{beta}/members/{id}");
    let (s, v) =
        app.call("PATCH", &member(owner.id), Some(json!({"admin": false})), Some(&owner)).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "last_company_admin"), "{v}");
    let (s, v) = app.call("DELETE", &member(owner.id), None, Some(&owner)).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "last_company_admin"), "{v}");
    let (s, v) =
        app.call("PATCH", &member(newbie.id), Some(json!({"admin": true})), Some(&admin)).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "not_company_admin"), "{v}");
    let (s, _) =
        app.call("PATCH", &member(admin.id), Some(json!({"admin": true})), Some(&owner)).await;
    assert_eq!(s, StatusCode::OK);
    // The new admin may now create workspaces; demoted, not any more.
    let (s, _) = app
        .post(&format!("/api/companies/{beta}/workspaces"), json!({"name": "By admin"}), &admin)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) =
        app.call("PATCH", &member(admin.id), Some(json!({"admin": false})), Some(&owner)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .post(&format!("/api/companies/{beta}/workspaces"), json!({"name": "Again"}), &admin)
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "not_company_admin"), "next request: {v}");
    let (s, _) = app.call("DELETE", &member(newbie.id), None, Some(&owner)).await;
    assert_eq!(s, StatusCode::OK);

    // Someone removed from the partner company loses the client workspace
    // on the very next request.
    let (s, _) = app.get(&format!("/api/workspaces/{ws}"), &analyst).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .call(
            "DELETE",
            &format!("/api/companies/{techhelp}/members/{}", analyst.id),
            None,
            Some(&boss),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.get(&format!("/api/workspaces/{ws}"), &analyst).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "left_partner_company"), "{v}");

    // Company-level audit: its admins read it, grant entries by both sides.
    let (s, log) = app.get(&format!("/api/companies/{beta}/audit"), &owner).await;
    assert_eq!(s, StatusCode::OK, "{log}");
    let kinds: Vec<&str> =
        log["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in ["company.member.add", "company.member.admin", "company.member.remove"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let (_, page) = app.get(&format!("/api/companies/{beta}"), &owner).await;
    let grant = page["grants"][0]["id"].as_i64().unwrap();
    let (s, _) = app.call("DELETE", &format!("/api/grants/{grant}"), None, Some(&owner)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, log) = app.get(&format!("/api/companies/{techhelp}/audit?kind=grant"), &boss).await;
    assert_eq!(s, StatusCode::OK, "{log}");
    assert_eq!(
        log["entries"][0]["kind"], "grant.revoke",
        "the partner reads the revocation: {log}"
    );
    let (s, v) = app.get(&format!("/api/companies/{beta}/audit"), &admin).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "not_company_admin"), "{v}");
}

/// Addresses are normalized (NFKC, case, trim) and look-alikes refused.
pub async fn look_alike_addresses_are_refused(app: TestApp) {
    app.demo().await;
    let signup = |email: &str| json!({"email": email, "name": "Look Alike", "password": "look alike password"});
    for variant in [
        "owner\u{200b}@beta.example",
        "owner@beta\u{200d}.example",
        "оwner@beta.example",
        "owner@bеta.example",
        "\u{feff}owner@beta.example",
    ] {
        let (s, v) = app.call("POST", "/api/auth/signup", Some(signup(variant)), None).await;
        assert_eq!(
            (s, code(&v), v["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_email", Some("email")),
            "{variant:?}: {v}"
        );
    }
    // Fullwidth letters are the plain address: the account already exists.
    let (s, v) = app
        .call("POST", "/api/auth/signup", Some(signup("ｏｗｎｅｒ@ｂｅｔａ.example")), None)
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // And signing in with them reaches the real account.
    app.login_with("ＯＷＮＥＲ@beta.example", server::demo::PASSWORD).await;
    let owner = app.login("owner@beta.example").await;
    let (_, me) = app.get("/api/me", &owner).await;
    let ws = me["workspaces"][0]["id"].as_i64().unwrap();
    let (s, v) = app
        .post(
            &format!("/api/workspaces/{ws}/invitations"),
            json!({"email": "ｄｅｖ@beta.example", "role": "developer"}),
            &owner,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "already_a_member"), "{v}");
}

/// A grant concerns two companies: writing it gives a new version to their
/// workspaces only, not to the other clients of the same partner (whose
/// facts never hold it); a change to the partner's people still reaches
/// every client. (Each cached answer is checked against a fresh load.)
pub async fn a_grant_versions_only_the_workspaces_holding_it(app: TestApp) {
    let beta_ws = app.demo().await;
    let owner = app.login("owner@beta.example").await;
    let boss = app.login("boss@techhelp.example").await;
    let analyst = app.login("analyst@techhelp.example").await;
    let (_, me) = app.get("/api/me", &boss).await;
    let techhelp = me["companies"][0]["id"].as_i64().unwrap();
    let (_, me) = app.get("/api/me", &owner).await;
    let beta = me["companies"][0]["id"].as_i64().unwrap();
    let (_, page) = app.get(&format!("/api/companies/{beta}"), &owner).await;
    let beta_grant = page["grants"][0]["id"].as_i64().unwrap();

    // Another client of TechHelp: Gamma, with one small workspace.
    let tiny = server::bench_seed::Size { name: "T", members: 4, groups: 1, resources: 4 };
    let db = &app.state.db;
    let gamma =
        server::bench_seed::seed(db, tiny, 1, "gamma", app.state.now()).await.unwrap().remove(0);
    let gamma_ws = gamma.workspace;
    let gamma_co: i64 = sqlx::query_scalar("SELECT company_id FROM workspaces WHERE id = $1")
        .bind(gamma_ws)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE companies SET client_enabled = 1 WHERE id = $1")
        .bind(gamma_co)
        .execute(&db.pool)
        .await
        .unwrap();
    let gamma_owner = app.login_with(&gamma.owner, server::bench_seed::PASSWORD).await;
    let grant = json!({"partner": techhelp, "workspaces": [gamma_ws], "role": "developer", "sections": ["users"]});
    let (s, g) = app.post(&format!("/api/companies/{gamma_co}/grants"), grant, &gamma_owner).await;
    assert_eq!(s, StatusCode::OK, "{g}");
    let (s, v) =
        app.post("/api/grants/redeem", json!({"access_key": g["access_key"]}), &boss).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let gamma_grant = g["id"].as_i64().unwrap();
    let add = json!({"workspace": gamma_ws, "account": analyst.id});
    let (s, v) = app.post(&format!("/api/grants/{gamma_grant}/analysts"), add, &boss).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let pool = app.state.db.pool.clone();
    let version = |ws: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT version FROM workspaces WHERE id = $1")
                .bind(ws)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    // Beta deletes its key: Beta's workspace changes, Gamma's does not.
    let (b0, g0) = (version(beta_ws).await, version(gamma_ws).await);
    let (s, _) = app.call("DELETE", &format!("/api/grants/{beta_grant}"), None, Some(&owner)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(version(beta_ws).await, b0 + 1, "the client's workspace has a new version");
    assert_eq!(version(gamma_ws).await, g0, "another client's workspace is untouched");
    let (s, v) = app.get(&format!("/api/workspaces/{beta_ws}"), &analyst).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app.get(&format!("/api/workspaces/{gamma_ws}"), &analyst).await;
    assert_eq!(s, StatusCode::OK, "still Gamma's analyst: {v}");

    // The analyst leaves TechHelp: every client's workspace changes.
    let g1 = version(gamma_ws).await;
    let member = format!("/api/companies/{techhelp}/members/{}", analyst.id);
    let (s, v) = app.call("DELETE", &member, None, Some(&boss)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(version(gamma_ws).await, g1 + 1);
    let (s, v) = app.get(&format!("/api/workspaces/{gamma_ws}"), &analyst).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "left_partner_company"), "{v}");
}
