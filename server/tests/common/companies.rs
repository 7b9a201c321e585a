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
