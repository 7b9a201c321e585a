//! The API test suite, run against SQLite and PostgreSQL alike.

use axum::http::StatusCode;
use policy::{Action, Decision, Role};
use serde_json::{Value, json};

use super::{Client, TestApp, client_from};

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

async fn demo_clients(
    app: &TestApp,
) -> (i64, Client, Client, Client, Client, Client, Client, Client) {
    let ws = app.demo().await;
    (
        ws,
        app.login("owner@beta.example").await,
        app.login("admin@beta.example").await,
        app.login("dev@beta.example").await,
        app.login("dev2@beta.example").await,
        app.login("analyst@techhelp.example").await,
        app.login("boss@techhelp.example").await,
        app.login("support@gatehouse.example").await,
    )
}

pub async fn accounts_sessions_and_csrf(app: TestApp) {
    let (s, v) = app.call("POST", "/api/auth/signup", Some(json!({"email": " New@Person.io ", "name": "New Person", "password": "long enough"})), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let me = client_from(&v);
    let (s, v) = app.get("/api/me", &me).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["account"]["email"], "new@person.io", "emails are trimmed and lower-cased");
    assert_eq!(
        v["companies"][0]["admin"], true,
        "sign-up creates a company with the person as admin"
    );
    // Duplicate email, any case: 409.
    let (s, v) = app
        .call(
            "POST",
            "/api/auth/signup",
            Some(json!({"email": "NEW@person.io", "name": "X", "password": "long enough"})),
            None,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "conflict"));
    // A state-changing request without the CSRF token changes nothing.
    let before = app.counts().await;
    let no_csrf = Client { csrf: "wrong".into(), ..me.clone() };
    let company = 1;
    let (s, v) = app
        .post(&format!("/api/companies/{company}/workspaces"), json!({"name": "W"}), &no_csrf)
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "csrf"));
    assert_eq!(app.counts().await, before);
    // Sign out ends the session server-side.
    let (s, _) = app.post("/api/auth/logout", json!({}), &me).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app.get("/api/me", &me).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "not_signed_in"));
    // Failures slow the account down, never lock its owner out: after a
    // few, the next attempt waits (429 with the wait, no password check),
    // and within a minute of the last failure the right password works.
    for _ in 0..6 {
        let (s, v) = app
            .call(
                "POST",
                "/api/auth/login",
                Some(json!({"email": "new@person.io", "password": "wrong password"})),
                None,
            )
            .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            app.state.advance_clock(61);
            continue;
        }
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    }
    let (s, v) = app
        .call(
            "POST",
            "/api/auth/login",
            Some(json!({"email": "new@person.io", "password": "long enough"})),
            None,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"), "{v}");
    app.state.advance_clock(60);
    app.login_with("new@person.io", "long enough").await;
    // Overlong input is refused before any work.
    let (s, v) = app
        .call(
            "POST",
            "/api/auth/login",
            Some(json!({"email": "a".repeat(300), "password": "x"})),
            None,
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("email")));
}

/// Sign-in limits per client address: trying many emails is slowed like
/// trying one; a forged forwarding header from an untrusted peer neither
/// dodges nor triggers the limit.
pub async fn sign_in_limits_per_client(app: TestApp) {
    app.demo().await;
    let mailer = server::mail::Mailer::from_settings(None, app.dir.path().join("outbox3")).unwrap();
    let cache = server::facts_cache::FactsCache::new(16, true);
    let st =
        server::AppState::new(app.state.db.clone(), mailer, "http://gatehouse.test".into(), cache)
            .with_sign_in_limits(Vec::new(), 5);
    let router = server::app(st, None);
    use tower::ServiceExt;
    let attempt = |email: String, forwarded: &'static str| {
        let router = router.clone();
        async move {
            let req = axum::http::Request::post("/api/auth/login")
                .header("content-type", "application/json")
                .header("x-forwarded-for", forwarded)
                .body(axum::body::Body::from(
                    json!({"email": email, "password": "wrong"}).to_string(),
                ))
                .unwrap();
            let res = router.oneshot(req).await.unwrap();
            (res.status(), res.headers().get("retry-after").cloned())
        }
    };
    for i in 0..5 {
        let (s, _) = attempt(format!("nobody{i}@x.io"), "198.51.100.1").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let (s, retry) = attempt("nobody9@x.io".into(), "198.51.100.2").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "a new email and a forged header do not help");
    assert!(retry.is_some(), "the wait is said");
}

pub async fn malformed_input_changes_nothing(app: TestApp) {
    let (ws, owner, ..) = demo_clients(&app).await;
    let before = app.counts().await;
    let path = format!("/api/workspaces/{ws}/invitations");
    let (s, v) = app.post(&path, json!({"email": "x@y.io", "role": "king"}), &owner).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("unknown variant `king`"), "{v}");
    assert_eq!(v["field"], "role");
    let (s, v) = app.post(&path, json!({"email": "x@y.io"}), &owner).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["message"].as_str().unwrap().contains("missing field `role`"), "{v}");
    let (s, v) =
        app.post(&path, json!({"email": "not an email", "role": "developer"}), &owner).await;
    assert_eq!(
        (s, code(&v), v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_email", Some("email"))
    );
    let (s, _) =
        app.post(&path, json!({"email": "x@y.io", "role": "developer", "extra": 1}), &owner).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "unknown fields are refused");
    let huge = "x".repeat(server::MAX_BODY + 10);
    let (s, _) = app
        .post(
            &format!("/api/workspaces/{ws}/groups"),
            json!({"name": "G", "description": huge}),
            &owner,
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    let (s, v) = app
        .post(
            &format!("/api/workspaces/{ws}/groups"),
            json!({"name": "G", "description": "d".repeat(501)}),
            &owner,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_group_description"));
    let (s, v) = app.get("/api/nope", &owner).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not_found"));
    let (s, v) = app.get("/api/workspaces/99999", &owner).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_workspace"));
    // NUL and other control characters: 422 naming the field, in a body, a
    // query and a path, signed in or not (PostgreSQL would refuse NUL).
    for (method, path, body, who, field) in [
        (
            "POST",
            "/api/auth/login".to_owned(),
            Some(json!({"email": "a\u{0}@b.io", "password": "x"})),
            None,
            "email",
        ),
        (
            "POST",
            "/api/auth/signup".to_owned(),
            Some(json!({"email": "n@b.io", "name": "N\u{7}", "password": "long enough"})),
            None,
            "name",
        ),
        (
            "POST",
            format!("/api/workspaces/{ws}/groups"),
            Some(json!({"name": "G\u{0}"})),
            Some(&owner),
            "name",
        ),
        ("GET", format!("/api/workspaces/{ws}/members?q=a%00b"), None, Some(&owner), "q"),
        ("GET", "/api/invitations/abc%00def".to_owned(), None, None, "token"),
    ] {
        let (s, v) = app.call(method, &path, body, who).await;
        assert_eq!(
            (s, code(&v), v["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", Some(field)),
            "{path}: {v}"
        );
    }
    // Whatever cannot be parsed is 400, and every error is JSON.
    let (s, v) = app.get("/api/workspaces/abc", &owner).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_input"), "{v}");
    let (s, v) = app.get(&format!("/api/workspaces/{ws}/members?limit=lots"), &owner).await;
    assert_eq!(
        (s, code(&v), v["field"].as_str()),
        (StatusCode::BAD_REQUEST, "invalid_input", Some("limit")),
        "{v}"
    );
    let (s, v) = app.call("DELETE", "/api/me", None, Some(&owner)).await;
    assert_eq!((s, code(&v)), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"), "{v}");
    let (s, v) =
        app.get(&format!("/api/workspaces/{ws}/members?q={}", "x".repeat(9000)), &owner).await;
    assert_eq!((s, code(&v)), (StatusCode::URI_TOO_LONG, "uri_too_long"), "{v}");
    let (s, v) = app
        .post(
            &format!("/api/workspaces/{ws}/groups"),
            json!({"name": "G", "description": "x".repeat(server::MAX_BODY + 10)}),
            &owner,
        )
        .await;
    assert_eq!((s, v.is_object()), (StatusCode::PAYLOAD_TOO_LARGE, true), "{v}");
    assert_eq!(app.counts().await, before, "nothing changed");
}

pub async fn invitation_links(app: TestApp) {
    let (ws, owner, admin, ..) = demo_clients(&app).await;
    let (s, v) = app
        .post(
            &format!("/api/workspaces/{ws}/invitations"),
            json!({"email": "Fresh@Example.com", "role": "developer"}),
            &admin,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let inv = v["id"].as_i64().unwrap();
    let first = app.last_invitation_link();
    // Nobody alters an open invitation's role by inviting again (SPEC 5):
    // refused, and nothing changes.
    let before = app.counts().await;
    let (s, v) = app
        .post(
            &format!("/api/workspaces/{ws}/invitations"),
            json!({"email": "fresh@example.com", "role": "admin"}),
            &owner,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "invitation_role_differs"), "{v}");
    assert_eq!(app.counts().await, before);
    // Inviting the same email with the same role renews instead of
    // duplicating; the first link dies.
    let (s, v) = app
        .post(
            &format!("/api/workspaces/{ws}/invitations"),
            json!({"email": "fresh@example.com", "role": "developer"}),
            &owner,
        )
        .await;
    assert_eq!((s, v["resent"].as_bool()), (StatusCode::OK, Some(true)));
    assert_eq!(v["id"].as_i64(), Some(inv));
    let second = app.last_invitation_link();
    assert_ne!(first, second);
    let token = |link: &str| link.rsplit('/').next().unwrap().to_owned();
    let (s, _) = app.call("GET", &format!("/api/invitations/{}", token(&first)), None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "the replaced link stops working");
    // Resend: renews expiry, invalidates the previous link.
    let (s, _) = app
        .post(&format!("/api/workspaces/{ws}/invitations/{inv}/resend"), json!({}), &admin)
        .await;
    assert_eq!(s, StatusCode::OK);
    let third = app.last_invitation_link();
    let (s, _) = app.call("GET", &format!("/api/invitations/{}", token(&second)), None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a resent invitation's old link stops working");
    let (s, v) = app.call("GET", &format!("/api/invitations/{}", token(&third)), None, None).await;
    assert_eq!(
        (s, v["email"].as_str(), v["expired"].as_bool()),
        (StatusCode::OK, Some("fresh@example.com"), Some(false))
    );
    // Accept, creating the account.
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/invitations/{}/accept", token(&third)),
            Some(json!({"name": "Fresh", "password": "fresh password"})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let fresh = client_from(&v);
    let (_, me) = app.get("/api/me", &fresh).await;
    assert_eq!(me["workspaces"][0]["role"], "developer", "the role invited with");
    assert_eq!(
        me["companies"].as_array().unwrap().len(),
        0,
        "invited people join the workspace, not a company"
    );
    let (_, rows) = app.get(&format!("/api/workspaces/{ws}/members?q=fresh"), &owner).await;
    assert_eq!(rows["rows"][0]["status"], "active");
    // The link is single-use.
    let (s, _) = app
        .call(
            "POST",
            &format!("/api/invitations/{}/accept", token(&third)),
            Some(json!({"name": "Again", "password": "fresh password"})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Expiry: after 7 days the link is refused and the row shows Expired.
    app.post(
        &format!("/api/workspaces/{ws}/invitations"),
        json!({"email": "late@example.com", "role": "developer"}),
        &admin,
    )
    .await;
    let late = app.last_invitation_link();
    app.state.advance_clock(7 * 24 * 3600 + 1);
    let (_, rows) = app.get(&format!("/api/workspaces/{ws}/members?q=late"), &owner).await;
    assert_eq!(rows["rows"][0]["status"], "expired");
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/invitations/{}/accept", token(&late)),
            Some(json!({"name": "Late", "password": "late password"})),
            None,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::GONE, "invitation_expired"), "{v}");
    // Deleting an invitation kills its link.
    let (_, rows) = app.get(&format!("/api/workspaces/{ws}/members?q=late"), &owner).await;
    let late_id = rows["rows"][0]["invitation"].as_i64().unwrap();
    let (s, _) = app
        .call("DELETE", &format!("/api/workspaces/{ws}/invitations/{late_id}"), None, Some(&admin))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.call("GET", &format!("/api/invitations/{}", token(&late)), None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

pub async fn join_link_and_requests(app: TestApp) {
    let (ws, owner, admin, dev, ..) = demo_clients(&app).await;
    let (s, v) = app.post(&format!("/api/workspaces/{ws}/join-link"), json!({}), &dev).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "missing_toggle"));
    let (s, v) = app.post(&format!("/api/workspaces/{ws}/join-link"), json!({}), &admin).await;
    assert_eq!(s, StatusCode::OK);
    let token = v["link"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let (_, v) = app
        .call(
            "POST",
            "/api/auth/signup",
            Some(json!({"email": "joiner@x.io", "name": "Joiner", "password": "joiner password"})),
            None,
        )
        .await;
    let joiner = client_from(&v);
    let (s, _) = app.post(&format!("/api/join/{token}"), json!({}), &joiner).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app.post(&format!("/api/join/{token}"), json!({}), &joiner).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "request_pending"));
    let (_, snap) = app.get(&format!("/api/workspaces/{ws}"), &owner).await;
    let req = snap["slice"]["workspaces"][0]["requests"][0]["id"].as_i64().unwrap();
    let (s, _) = app
        .post(&format!("/api/workspaces/{ws}/requests/{req}/authorize"), json!({}), &admin)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, me) = app.get("/api/me", &joiner).await;
    assert_eq!(me["workspaces"][0]["role"], "developer", "authorizing makes an Active Developer");
}

/// For every actor x target x state-changing action, the HTTP status agrees
/// with the policy's decision on the facts in the database, and a denied
/// request changes nothing.
pub async fn escalation_matrix(app: TestApp) {
    let (ws, owner, admin, dev, dev2, analyst, partner_boss, support) = demo_clients(&app).await;
    let (_, v) = app
        .call(
            "POST",
            "/api/auth/signup",
            Some(json!({"email": "outsider@x.io", "name": "Outsider", "password": "outsider pw"})),
            None,
        )
        .await;
    let outsider = client_from(&v);
    let actors = [&owner, &admin, &dev, &dev2, &analyst, &partner_boss, &support, &outsider];
    let targets = [owner.id, admin.id, dev.id, analyst.id, outsider.id];
    let (_, snap) = app.get(&format!("/api/workspaces/{ws}"), &owner).await;
    let finance = snap["slice"]["workspaces"][0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Finance")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, page) =
        app.get(&format!("/api/workspaces/{ws}/resources?kind=integration"), &owner).await;
    let integration = page["resources"][0]["id"].as_i64().unwrap();
    let mut checked = (0, 0);
    for actor in actors {
        let mut cases: Vec<(Action, &str, String, Value)> = Vec::new();
        for &t in &targets {
            for role in [Role::Admin, Role::Developer] {
                cases.push((
                    Action::ChangeRole { workspace: ws, target: t, role },
                    "PATCH",
                    format!("/api/workspaces/{ws}/members/{t}"),
                    json!({"role": role}),
                ));
            }
            cases.push((
                Action::RemoveMember { workspace: ws, target: t },
                "DELETE",
                format!("/api/workspaces/{ws}/members/{t}"),
                Value::Null,
            ));
            cases.push((
                Action::TransferOwnership { workspace: ws, target: t },
                "POST",
                format!("/api/workspaces/{ws}/transfer"),
                json!({"target": t}),
            ));
        }
        for role in [Role::Admin, Role::Developer] {
            cases.push((
                Action::SaveToggles {
                    workspace: ws,
                    role,
                    toggles: vec![policy::Toggle::UsersAdd],
                    base_version: 0,
                },
                "PUT",
                format!(
                    "/api/workspaces/{ws}/toggles/{}",
                    if role == Role::Admin { "admin" } else { "developer" }
                ),
                json!({"toggles": ["users.add"], "base_version": 0}),
            ));
            cases.push((
                Action::Invite { workspace: ws, email: "m@x.io".into(), role },
                "POST",
                format!("/api/workspaces/{ws}/invitations"),
                json!({"email": "m@x.io", "role": role}),
            ));
        }
        cases.push((
            Action::CreateGroup {
                workspace: ws,
                name: "Matrix".into(),
                description: String::new(),
            },
            "POST",
            format!("/api/workspaces/{ws}/groups"),
            json!({"name": "Matrix"}),
        ));
        cases.push((
            Action::SetResourceGroups {
                workspace: ws,
                resource: integration,
                groups: vec![finance],
            },
            "PUT",
            format!("/api/workspaces/{ws}/resources/{integration}/groups"),
            json!({"groups": [finance]}),
        ));
        cases.push((
            Action::DeleteResource { workspace: ws, resource: integration },
            "DELETE",
            format!("/api/workspaces/{ws}/resources/{integration}"),
            Value::Null,
        ));
        cases.push((
            Action::SetDataStudio { workspace: ws },
            "PATCH",
            format!("/api/workspaces/{ws}"),
            json!({"data_studio": true}),
        ));
        for (action, method, path, body) in cases {
            // Skip what no longer exists after earlier allowed cases.
            let facts = app.facts(actor.id, &[ws], &[]).await;
            let decision = facts.decide(actor.id, &action, app.state.now());
            let before = app.counts().await;
            let body = if body.is_null() { None } else { Some(body) };
            let (status, v) = app.call(method, &path, body, Some(actor)).await;
            match &decision {
                Decision::Allowed => {
                    assert!(
                        status.is_success(),
                        "{action:?} by {} allowed by policy but HTTP {status}: {v}",
                        actor.id
                    );
                    checked.0 += 1;
                }
                Decision::Denied(d) => {
                    assert_eq!(
                        status,
                        server::error::status_for(d.code),
                        "{action:?} by {}: {v}",
                        actor.id
                    );
                    assert_eq!(code(&v), d.code.code(), "{action:?} by {}", actor.id);
                    assert_eq!(
                        app.counts().await,
                        before,
                        "denied {action:?} by {} changed something",
                        actor.id
                    );
                    checked.1 += 1;
                }
            }
            // The workspace keeps exactly one owner whatever happened.
            let owners = app
                .facts(owner.id, &[ws], &[])
                .await
                .workspace(ws)
                .and_then(|w| w.count_with_role(Role::Owner))
                .unwrap_or(1);
            assert_eq!(owners, 1);
        }
    }
    assert!(checked.0 >= 5 && checked.1 >= 100, "matrix exercised both sides: {checked:?}");
}

pub async fn concurrent_toggle_saves(app: TestApp) {
    let (ws, owner, admin, ..) = demo_clients(&app).await;
    let (_, t) = app.get(&format!("/api/workspaces/{ws}/toggles"), &owner).await;
    let version = t["version"].as_i64().unwrap();
    assert_eq!(t["counts"]["developer"], 3, "two developers and the analyst");
    let path = format!("/api/workspaces/{ws}/toggles/developer");
    let a = app.call(
        "PUT",
        &path,
        Some(json!({"toggles": ["users.add"], "base_version": version})),
        Some(&owner),
    );
    let b = app.call(
        "PUT",
        &path,
        Some(json!({"toggles": ["integrations.delete"], "base_version": version})),
        Some(&admin),
    );
    let ((sa, _), (sb, vb)) = tokio::join!(a, b);
    let mut statuses = [sa, sb];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{vb}");
    let (_, t) = app.get(&format!("/api/workspaces/{ws}/toggles"), &owner).await;
    assert_eq!(t["version"].as_i64(), Some(version + 1), "exactly one save landed");
    let dev = t["developer"].as_array().unwrap();
    assert!(
        dev == &vec![json!("users.add")] || dev == &vec![json!("integrations.delete")],
        "one batch, whole: {dev:?}"
    );
    // Stale is refused with the policy's code.
    let (s, v) = app
        .call("PUT", &path, Some(json!({"toggles": [], "base_version": version})), Some(&owner))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "stale_version"));
    // An admin cannot edit Admin toggles, nor switch on what the Admin role lacks.
    let (s, v) = app
        .call(
            "PUT",
            &format!("/api/workspaces/{ws}/toggles/admin"),
            Some(json!({"toggles": [], "base_version": version + 1})),
            Some(&admin),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "owner_only_edits_admin_toggles"));
    let (s, _) = app
        .call(
            "PUT",
            &format!("/api/workspaces/{ws}/toggles/admin"),
            Some(json!({"toggles": ["users.add"], "base_version": version + 1})),
            Some(&owner),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .call(
            "PUT",
            &path,
            Some(json!({"toggles": ["api_gateway.delete"], "base_version": version + 2})),
            Some(&admin),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "toggle_not_held_by_admins"));
    let (_, log) = app.get(&format!("/api/workspaces/{ws}/audit?kind=toggles"), &owner).await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 2, "each save audited: {log}");
    assert!(log["entries"][0]["before"].is_array() && log["entries"][0]["after"].is_array());
}

pub async fn ownership_stays_single(app: TestApp) {
    let (ws, owner, admin, dev, ..) = demo_clients(&app).await;
    let (s, v) = app
        .call(
            "PATCH",
            &format!("/api/workspaces/{ws}/members/{}", owner.id),
            Some(json!({"role": "developer"})),
            Some(&admin),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "target_is_owner"));
    let (s, v) = app
        .post(&format!("/api/workspaces/{ws}/transfer"), json!({"target": dev.id}), &owner)
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "transfer_target_not_admin"));
    let (s, _) = app
        .post(&format!("/api/workspaces/{ws}/transfer"), json!({"target": admin.id}), &owner)
        .await;
    assert_eq!(s, StatusCode::OK);
    let facts = app.facts(owner.id, &[ws], &[]).await;
    let w = facts.workspace(ws).unwrap();
    assert_eq!(w.member(admin.id).unwrap().role, Role::Owner);
    assert_eq!(w.member(owner.id).unwrap().role, Role::Admin, "the old owner becomes Admin");
    assert_eq!(w.count_with_role(Role::Owner), Some(1));
    let (s, v) = app.call("DELETE", &format!("/api/workspaces/{ws}"), None, Some(&owner)).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "owner_only"));
    let (_, log) = app.get(&format!("/api/workspaces/{ws}/audit?kind=ownership"), &admin).await;
    assert_eq!(log["entries"][0]["before"]["owner"], owner.id);
    assert_eq!(log["entries"][0]["after"]["owner"], admin.id);
}

pub async fn groups_resources_and_runs(app: TestApp) {
    let (ws, owner, admin, dev, dev2, ..) = demo_clients(&app).await;
    let (s, v) =
        app.post(&format!("/api/workspaces/{ws}/groups"), json!({"name": "finance"}), &admin).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "group_name_taken"));
    let (s, v) = app
        .post(
            &format!("/api/workspaces/{ws}/groups"),
            json!({"name": "Sales", "description": "Sales team"}),
            &admin,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let sales = v["id"].as_i64().unwrap();
    let (s, _) = app
        .post(
            &format!("/api/workspaces/{ws}/groups/{sales}/members"),
            json!({"accounts": [dev.id, dev2.id]}),
            &admin,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .post(
            &format!("/api/workspaces/{ws}/groups/{sales}/members"),
            json!({"accounts": [dev.id]}),
            &dev,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "owner_or_admin_only"));
    // Resources: dev (Finance) sees the Finance integration; dev2 does not.
    let (_, list) = app.get(&format!("/api/workspaces/{ws}/resources"), &dev).await;
    let names: Vec<&str> =
        list["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"ERP sync") && names.contains(&"Post invoices"), "{names:?}");
    let flow = list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Post invoices")
        .unwrap();
    assert_eq!(flow["inherited"], true, "flows show their integration's groups");
    let (_, list2) = app.get(&format!("/api/workspaces/{ws}/resources"), &dev2).await;
    assert!(!list2["resources"].as_array().unwrap().iter().any(|r| r["name"] == "ERP sync"));
    let flow_id = flow["id"].as_i64().unwrap();
    // The run plan: the File Job of Logistics runs as its own group.
    let (s, plan) =
        app.post(&format!("/api/workspaces/{ws}/resources/{flow_id}/run"), json!({}), &dev).await;
    assert_eq!(s, StatusCode::OK, "{plan}");
    assert_eq!(plan["steps"][0]["run_as"]["as"], "user");
    assert_eq!(plan["steps"][1]["run_as"]["as"], "job_groups");
    let (s, v) =
        app.post(&format!("/api/workspaces/{ws}/resources/{flow_id}/run"), json!({}), &dev2).await;
    // A flow outside dev2's groups does not exist for dev2 (SPEC 9).
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_resource"));
    let (s, v) = app
        .call(
            "PUT",
            &format!("/api/workspaces/{ws}/resources/{flow_id}/groups"),
            Some(json!({"groups": [sales]})),
            Some(&owner),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "flow_follows_integration"));
    // Create a flow in an integration, then delete the group: admin-only.
    let (s, v) = app
        .post(
            &format!("/api/workspaces/{ws}/resources"),
            json!({"kind": "module", "name": "Sales module"}),
            &dev,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let module = v["id"].as_i64().unwrap();
    let (s, _) = app
        .call(
            "PUT",
            &format!("/api/workspaces/{ws}/resources/{module}/groups"),
            Some(json!({"groups": [sales]})),
            Some(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .call(
            "DELETE",
            &format!("/api/workspaces/{ws}/groups/{sales}"),
            Some(json!({"confirm_name": "sales"})),
            Some(&admin),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "confirmation_mismatch"));
    let (s, _) = app
        .call(
            "DELETE",
            &format!("/api/workspaces/{ws}/groups/{sales}"),
            Some(json!({"confirm_name": "Sales"})),
            Some(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .call(
            "PATCH",
            &format!("/api/workspaces/{ws}/resources/{module}"),
            Some(json!({"name": "Renamed"})),
            Some(&dev),
        )
        .await;
    // Left with no group it is admin-only: for the developer it is gone.
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_resource"));
    let (s, _) = app
        .call(
            "PATCH",
            &format!("/api/workspaces/{ws}/resources/{module}"),
            Some(json!({"name": "Renamed"})),
            Some(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, log) = app.get(&format!("/api/workspaces/{ws}/audit?kind=group.delete"), &owner).await;
    assert_eq!(log["entries"][0]["after"]["resources_left_admin_only"], 1);
    let (s, v) = app
        .call(
            "DELETE",
            &format!("/api/workspaces/{ws}/groups/1"),
            Some(json!({"confirm_name": "default"})),
            Some(&owner),
        )
        .await;
    assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND, "{v}");
}

pub async fn partner_lifecycle(app: TestApp) {
    let (ws, owner, _admin, _dev, _dev2, analyst, partner_boss, support) = demo_clients(&app).await;
    let (_, me) = app.get("/api/me", &owner).await;
    let client = me["companies"][0]["id"].as_i64().unwrap();
    let (_, me) = app.get("/api/me", &partner_boss).await;
    let partner = me["companies"][0]["id"].as_i64().unwrap();
    // The analyst is in, limited to the granted sections.
    let (s, v) = app.get(&format!("/api/workspaces/{ws}"), &analyst).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.get(&format!("/api/workspaces/{ws}/resources"), &analyst).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let kinds: Vec<&str> =
        v["resources"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert!(
        !kinds.is_empty() && kinds.iter().all(|k| *k == "integration" || *k == "flow"),
        "only granted sections: {kinds:?}"
    );
    let (_, rows) = app.get(&format!("/api/workspaces/{ws}/members"), &owner).await;
    let marked = rows["rows"].as_array().unwrap().iter().find(|r| r["id"] == analyst.id).unwrap();
    assert_eq!(marked["partner"], "TechHelp", "analysts are marked with the partner's name");
    // The partner's company page carries facts for its own controls, and none
    // of the client's people.
    let (s, page) = app.get(&format!("/api/companies/{partner}"), &partner_boss).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let emails: Vec<&str> = page["snapshot"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"analyst@techhelp.example"), "{emails:?}");
    assert!(
        !emails.iter().any(|e| e.ends_with("@beta.example")),
        "client people leaked: {emails:?}"
    );
    let granted = &page["snapshot"]["workspaces"][0];
    assert_eq!(granted["id"], ws);
    assert_eq!(
        granted["members"].as_array().unwrap().len(),
        1,
        "only the partner's analyst: {granted}"
    );
    // One partner per client.
    let (s, v) = app
        .post(
            &format!("/api/companies/{client}/grants"),
            json!({"partner": partner, "workspaces": [ws], "sections": ["modules"]}),
            &owner,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "client_has_partner"));
    // Only support flips capabilities.
    let (s, v) = app
        .post(
            &format!("/api/companies/{partner}/capabilities"),
            json!({"partner_enabled": true, "client_enabled": true}),
            &owner,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "support_only"));
    let (s, _) = app
        .post(
            &format!("/api/companies/{partner}/capabilities"),
            json!({"partner_enabled": true, "client_enabled": true}),
            &support,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // The partner directory lists partner-enabled companies only, to any signed-in user.
    let (s, dir) = app.get("/api/partners", &owner).await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> =
        dir.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["TechHelp"], "{dir}");
    // The client deletes the key: the analyst's very next request is refused.
    let (_, company) = app.get(&format!("/api/companies/{client}"), &owner).await;
    let grant = company["grants"][0]["id"].as_i64().unwrap();
    let (s, _) = app.call("DELETE", &format!("/api/grants/{grant}"), None, Some(&owner)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app.get(&format!("/api/workspaces/{ws}"), &analyst).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, _) = app.get(&format!("/api/workspaces/{ws}/resources"), &analyst).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A new grant: key shown once, redeemed by the partner admin, analyst registered.
    let (s, v) = app.post(&format!("/api/companies/{client}/grants"), json!({"partner": partner, "workspaces": [ws], "role": "developer", "sections": ["integrations", "users"]}), &owner).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let key = v["access_key"].as_str().unwrap().to_owned();
    let grant = v["id"].as_i64().unwrap();
    let stored: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) AS n FROM grants WHERE key_hash = $1")
            .bind(&key)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        "n",
    )
    .unwrap();
    assert_eq!(stored, 0, "the key itself is never stored");
    let (s, v) = app.post("/api/grants/redeem", json!({"access_key": key}), &analyst).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "not_company_admin"));
    let (s, _) = app.post("/api/grants/redeem", json!({"access_key": key}), &partner_boss).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app.post("/api/grants/redeem", json!({"access_key": key}), &partner_boss).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "already_redeemed"));
    let (s, v) = app
        .post(
            &format!("/api/grants/{grant}/analysts"),
            json!({"workspace": ws, "account": analyst.id}),
            &owner,
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::FORBIDDEN, "not_company_admin"),
        "registration stays the partner's"
    );
    let (s, _) = app
        .post(
            &format!("/api/grants/{grant}/analysts"),
            json!({"workspace": ws, "account": analyst.id}),
            &partner_boss,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(&format!("/api/workspaces/{ws}"), &analyst).await;
    assert_eq!(s, StatusCode::OK);
    // Client admins cannot change an analyst's role; the partner removes its analyst.
    let (s, v) = app
        .call(
            "PATCH",
            &format!("/api/workspaces/{ws}/members/{}", analyst.id),
            Some(json!({"role": "admin"})),
            Some(&owner),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "target_is_partner_analyst"));
    let (s, _) = app
        .call(
            "DELETE",
            &format!("/api/grants/{grant}/analysts/{ws}/{}", analyst.id),
            None,
            Some(&partner_boss),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(&format!("/api/workspaces/{ws}"), &analyst).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, log) = app.get(&format!("/api/workspaces/{ws}/audit?kind=analyst"), &owner).await;
    assert!(log["entries"].as_array().unwrap().len() >= 2, "{log}");
}

pub async fn openapi_covers_every_route(app: TestApp) {
    let (s, doc) = app.call("GET", "/api/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    // Valid and complete: no dangling $ref, every {param} declared, ...
    let operations = super::contract::check_document(&doc);
    assert!(operations >= 45, "{operations} operations");
    let paths = doc["paths"].as_object().unwrap();
    // Every route registered in any routes module (but the document's own).
    let dir = format!("{}/src/routes", env!("CARGO_MANIFEST_DIR"));
    let source: String = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.ends_with("openapi.rs"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let mut routes = 0;
    for part in source.split(".route(\"").skip(1) {
        let path = part.split('"').next().unwrap();
        assert!(paths.contains_key(path), "route {path} missing from the OpenAPI document");
        routes += 1;
    }
    assert!(routes >= 30, "found {routes} routes");
}

pub async fn companies_support_and_audit_filters(app: TestApp) {
    let (ws, owner, admin, dev, _dev2, _analyst, partner_boss, support) = demo_clients(&app).await;
    let (_, me) = app.get("/api/me", &owner).await;
    let beta = me["companies"][0]["id"].as_i64().unwrap();
    // Company admins create workspaces; the creator is Owner, with a default group.
    let (s, v) = app
        .post(
            &format!("/api/companies/{beta}/workspaces"),
            json!({"name": "Second", "data_studio": false}),
            &admin,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "not_company_admin"));
    let (s, v) = app
        .post(&format!("/api/companies/{beta}/workspaces"), json!({"name": "Second"}), &owner)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let second = v["id"].as_i64().unwrap();
    let (_, snap) = app.get(&format!("/api/workspaces/{second}"), &owner).await;
    assert_eq!(snap["slice"]["workspaces"][0]["members"][0]["role"], "owner");
    assert_eq!(snap["slice"]["workspaces"][0]["groups"][0]["is_default"], true);
    let (s, v) = app.get(&format!("/api/workspaces/{second}"), &dev).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::FORBIDDEN, "not_a_member"),
        "company membership is not workspace membership"
    );
    // Company members: an existing account, added by a company admin.
    let (s, v) = app
        .post(
            &format!("/api/companies/{beta}/members"),
            json!({"email": "dev@beta.example", "admin": false}),
            &admin,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "not_company_admin"));
    let (s, _) = app
        .post(
            &format!("/api/companies/{beta}/members"),
            json!({"email": "DEV@beta.example"}),
            &owner,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .post(&format!("/api/companies/{beta}/members"), json!({"email": "nobody@x.io"}), &owner)
        .await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_account"));
    // Company visibility: members see theirs, support sees all.
    let (_, list) = app.get("/api/companies", &support).await;
    assert!(list["companies"].as_array().unwrap().len() >= 2);
    let (_, list) = app.get("/api/companies", &partner_boss).await;
    assert_eq!(list["companies"].as_array().unwrap().len(), 1);
    let (s, v) = app.get(&format!("/api/companies/{beta}"), &partner_boss).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "not_company_member"));
    // The support bootstrap marks an account as support.
    let id = server::demo::create_support(
        &app.state,
        "helper@gatehouse.example",
        "Helper",
        "helper password",
    )
    .await
    .unwrap();
    let helper = app.login_with("helper@gatehouse.example", "helper password").await;
    assert_eq!(helper.id, id);
    let (_, me) = app.get("/api/me", &helper).await;
    assert_eq!(me["account"]["support"], true);
    // Audit filters: by actor, kind and time window.
    let (_, all) = app.get(&format!("/api/workspaces/{ws}/audit"), &owner).await;
    assert!(!all["entries"].as_array().unwrap().is_empty());
    app.post(&format!("/api/workspaces/{ws}/groups"), json!({"name": "Audited"}), &admin).await;
    let (_, by_admin) =
        app.get(&format!("/api/workspaces/{ws}/audit?actor={}", admin.id), &owner).await;
    assert!(
        by_admin["entries"].as_array().unwrap().iter().all(|e| e["actor"] == admin.id)
            && !by_admin["entries"].as_array().unwrap().is_empty()
    );
    let now = app.state.now();
    let (_, future) =
        app.get(&format!("/api/workspaces/{ws}/audit?from={}", now + 10), &owner).await;
    assert!(future["entries"].as_array().unwrap().is_empty());
    let (_, groups) = app
        .get(&format!("/api/workspaces/{ws}/audit?kind=group.create&to={}", now + 10), &owner)
        .await;
    assert_eq!(groups["entries"][0]["subject"], "Audited");
    let (s, v) = app.get(&format!("/api/workspaces/{ws}/audit"), &dev).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "owner_or_admin_only"));
}

pub async fn serves_the_spa_with_fallback(app: TestApp) {
    let dist = app.dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html><title>Gatehouse</title>").unwrap();
    let router = server::app(app.state.clone(), Some(&dist));
    use tower::ServiceExt;
    for path in ["/", "/workspaces/1/settings/users"] {
        let res = router
            .clone()
            .oneshot(axum::http::Request::get(path).body(axum::body::Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let body = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
        assert!(
            String::from_utf8_lossy(&body).contains("<title>Gatehouse</title>"),
            "{path} falls back to index.html"
        );
    }
    let res = router
        .clone()
        .oneshot(axum::http::Request::get("/api/nope").body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "unknown API routes are JSON 404s, not the SPA"
    );
}

pub use super::companies::{
    a_grant_versions_only_the_workspaces_holding_it, company_membership_and_verification,
    look_alike_addresses_are_refused,
};
pub use super::contract::reason_codes_are_the_policys;
pub use super::explain::effective_access_who_can_and_dry_runs;
pub use super::grant_expiry::grants_expire_and_are_renewed;
pub use super::need_to_know::{
    nothing_unneeded_is_sent, reads_revalidate_with_etags, resource_pages_follow_the_policy,
};
pub use super::security::{
    security_headers_on_every_response, session_cookies_are_secure_behind_https,
};
