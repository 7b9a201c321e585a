//! Time-bound partner grants (SPEC 7, 8): the expiry chosen at grant time
//! and its limits, renewing and shortening, the analyst refused from the
//! expiry on, the expiry audited once with the system as actor, for both
//! companies.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::TestApp;

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

const DAY: i64 = 24 * 3600;

pub async fn grants_expire_and_are_renewed(app: TestApp) {
    let ws = app.demo().await;
    let owner = app.login("owner@beta.example").await;
    let admin = app.login("admin@beta.example").await;
    let analyst = app.login("analyst@techhelp.example").await;
    let boss = app.login("boss@techhelp.example").await;
    let (_, me) = app.get("/api/me", &owner).await;
    let client = me["companies"][0]["id"].as_i64().unwrap();
    let (s, page) = app.get(&format!("/api/companies/{client}"), &owner).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let now = page["now"].as_i64().expect("the server's time is sent with the page");
    assert!((now - app.state.now()).abs() <= 2);
    let grant = &page["grants"][0];
    let id = grant["id"].as_i64().unwrap();
    let partner = grant["partner"]["id"].as_i64().unwrap();
    let expires = grant["expires_at"].as_i64().unwrap();
    assert!(expires > now + 364 * DAY, "the demo grant runs a year: {grant}");
    // Both companies see the expiry.
    let (_, theirs) = app.get(&format!("/api/companies/{partner}"), &boss).await;
    assert_eq!(theirs["grants"][0]["expires_at"], expires);

    // Renewing: the client's admins only, a future expiry at most two years on.
    let renew = |at: i64| json!({ "expires_at": at });
    let path = format!("/api/grants/{id}");
    for (who, body, status, want) in [
        (&boss, renew(now + DAY), StatusCode::FORBIDDEN, "not_company_admin"),
        (&admin, renew(now + DAY), StatusCode::FORBIDDEN, "not_company_admin"),
        (&owner, renew(now - 1), StatusCode::UNPROCESSABLE_ENTITY, "expiry_not_in_future"),
        (&owner, renew(now + 732 * DAY), StatusCode::UNPROCESSABLE_ENTITY, "expiry_too_far"),
        (&owner, json!({ "expires_at": "soon" }), StatusCode::UNPROCESSABLE_ENTITY, ""),
    ] {
        let (s, v) = app.call("PATCH", &path, Some(body), Some(who)).await;
        assert_eq!(s, status, "{v}");
        if !want.is_empty() {
            assert_eq!(code(&v), want, "{v}");
        }
        if status == StatusCode::UNPROCESSABLE_ENTITY && !want.is_empty() {
            assert_eq!(v["field"], "expires_at", "{v}");
        }
    }
    let (s, v) =
        app.call("PATCH", "/api/grants/999999", Some(renew(now + DAY)), Some(&owner)).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_grant"), "{v}");
    // Shortened to ten days: the analyst still works until then.
    let (s, v) = app.call("PATCH", &path, Some(renew(now + 10 * DAY)), Some(&owner)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = app.get(&format!("/api/workspaces/{ws}"), &analyst).await;
    assert_eq!(s, StatusCode::OK);
    app.state.advance_clock(10 * DAY - 2);
    let (s, _) = app.get(&format!("/api/workspaces/{ws}"), &analyst).await;
    assert_eq!(s, StatusCode::OK, "a second before expiry, still in");
    // At expiry the analyst's next request is refused, whatever it is.
    app.state.advance_clock(2);
    let (s, v) = app.get(&format!("/api/workspaces/{ws}"), &analyst).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "partner_access_expired"), "{v}");
    let (s, v) = app.get(&format!("/api/workspaces/{ws}/resources"), &analyst).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "partner_access_expired"), "{v}");
    // The client's own people are unaffected.
    let (s, _) = app.get(&format!("/api/workspaces/{ws}"), &admin).await;
    assert_eq!(s, StatusCode::OK);
    // The expired grant still holds the client's one partner slot.
    let (s, v) = app
        .post(
            &format!("/api/companies/{client}/grants"),
            json!({"partner": partner, "workspaces": [ws], "sections": ["modules"]}),
            &owner,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "client_has_partner"), "{v}");

    // The expiry is audited once, with the system as actor, for both companies.
    let recorded = server::routes::partners::record_expiries(&app.state).await.unwrap();
    assert_eq!(recorded, 1);
    assert_eq!(server::routes::partners::record_expiries(&app.state).await.unwrap(), 0);
    for (company, who) in [(client, &owner), (partner, &boss)] {
        let (s, log) =
            app.get(&format!("/api/companies/{company}/audit?kind=grant.expire"), who).await;
        assert_eq!(s, StatusCode::OK, "{log}");
        let entries = log["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{log}");
        assert_eq!(entries[0]["actor_name"], "System");
        assert_eq!(entries[0]["subject"], id.to_string());
    }

    // Renewed: the analyst still registered gets its access back; renewal audited.
    let later = app.state.now();
    let (s, v) = app.call("PATCH", &path, Some(renew(later + 365 * DAY)), Some(&owner)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = app.get(&format!("/api/workspaces/{ws}"), &analyst).await;
    assert_eq!(s, StatusCode::OK, "access back after renewal");
    let (_, log) =
        app.get(&format!("/api/companies/{client}/audit?kind=grant.renew"), &owner).await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 2, "shortened, then renewed: {log}");
    // A later expiry is recorded again.
    app.state.advance_clock(366 * DAY);
    assert_eq!(server::routes::partners::record_expiries(&app.state).await.unwrap(), 1);

    // A new grant: one year by default, the limits at creation too (a year
    // on, sessions have expired: sign in again).
    let owner = app.login("owner@beta.example").await;
    let (s, _) = app.call("DELETE", &path, None, Some(&owner)).await;
    assert_eq!(s, StatusCode::OK);
    let now = app.state.now();
    let body = |expires: Option<i64>| {
        let mut b = json!({"partner": partner, "workspaces": [ws], "sections": ["modules"]});
        if let Some(e) = expires {
            b["expires_at"] = json!(e);
        }
        b
    };
    let grants = format!("/api/companies/{client}/grants");
    let (s, v) = app.post(&grants, body(Some(now + 800 * DAY)), &owner).await;
    assert_eq!((s, code(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "expiry_too_far"), "{v}");
    let (s, v) = app.post(&grants, body(Some(now)), &owner).await;
    assert_eq!((s, code(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "expiry_not_in_future"), "{v}");
    let (s, v) = app.post(&grants, body(None), &owner).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, page) = app.get(&format!("/api/companies/{client}"), &owner).await;
    let fresh = page["grants"].as_array().unwrap().iter().find(|g| g["id"] == v["id"]).unwrap();
    let length = fresh["expires_at"].as_i64().unwrap() - now;
    assert!((365 * DAY..=365 * DAY + 2).contains(&length), "one year by default: {fresh}");
}
