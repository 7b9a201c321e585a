//! Explain and preview over HTTP (SPEC 10): a member's effective access,
//! who can reach a resource, and the dry run of an access change — each
//! only to those who may ask, limited to what they may see, writing
//! nothing.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::TestApp;

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

/// The id of the demo resource called `name`, as `who` lists it.
async fn resource(app: &TestApp, ws: i64, who: &super::Client, name: &str) -> i64 {
    let (_, page) = app.get(&format!("/api/workspaces/{ws}/resources?limit=200"), who).await;
    page["resources"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()["id"]
        .as_i64()
        .unwrap()
}

pub async fn effective_access_who_can_and_dry_runs(app: TestApp) {
    let ws = app.demo().await;
    let owner = app.login("owner@beta.example").await;
    let admin = app.login("admin@beta.example").await;
    let dev = app.login("dev@beta.example").await;
    let dev2 = app.login("dev2@beta.example").await;
    let analyst = app.login("analyst@techhelp.example").await;
    let erp = resource(&app, ws, &owner, "ERP sync").await;

    // A member's effective access: the admin asks about dev, page by page.
    let path = |who: i64| format!("/api/workspaces/{ws}/members/{who}/access");
    let (s, first) = app.get(&format!("{}?limit=3", path(dev.id)), &admin).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["access"]["member"], dev.id);
    assert_eq!(first["access"]["abilities"]["role"], "developer");
    assert_eq!(first["access"]["toggles"].as_array().unwrap().len(), 16);
    let rows = first["access"]["resources"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{first}");
    assert_eq!(first["names"].as_array().unwrap().len(), 3);
    let after = first["next"].as_str().expect("more pages");
    let (_, second) = app.get(&format!("{}?limit=3&after={after}", path(dev.id)), &admin).await;
    let ids = |p: &Value| -> Vec<i64> {
        p["access"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["resource"].as_i64().unwrap())
            .collect()
    };
    assert!(ids(&second).iter().all(|id| !ids(&first).contains(id)), "pages do not overlap");
    // Why dev2 cannot reach ERP sync: explained to the admin.
    let (_, all) = app.get(&format!("{}?limit=200", path(dev2.id)), &admin).await;
    let row = all["access"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == erp)
        .unwrap();
    assert_eq!(row["view"]["code"], "not_in_resource_groups", "{row}");
    // A member about itself: only what it sees; not about others.
    let (s, mine) = app.get(&format!("{}?limit=200", path(dev2.id)), &dev2).await;
    assert_eq!(s, StatusCode::OK);
    let (_, list) = app.get(&format!("/api/workspaces/{ws}/resources?limit=200"), &dev2).await;
    let listed: Vec<i64> =
        list["resources"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids(&mine), listed, "exactly the resources it may see");
    let (s, v) = app.get(&path(dev.id), &dev2).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "owner_or_admin_only"), "{v}");
    let (s, v) = app.get(&path(dev.id), &analyst).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "partner_analyst_restricted"), "{v}");
    let (s, v) = app.get(&path(999_999), &admin).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_member"), "{v}");

    // Who can reach a resource: by role and group, counted, names included.
    let (s, who) = app.get(&format!("/api/workspaces/{ws}/resources/{erp}/access"), &admin).await;
    assert_eq!(s, StatusCode::OK, "{who}");
    assert_eq!(who["who"]["view"]["roles"], json!(["owner", "admin"]));
    assert_eq!(who["who"]["view"]["count"], 3, "owner, admin, dev in Finance: {who}");
    assert_eq!(who["groups"][0]["name"], "Finance");
    let (s, v) = app.get(&format!("/api/workspaces/{ws}/resources/{erp}/access"), &dev).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "owner_or_admin_only"), "{v}");

    // A dry run: nothing written, the same answer as the policy's preview.
    let before = app.counts().await;
    let toggle = json!({"type": "set_toggle", "workspace": ws, "role": "developer", "toggle": "integrations.delete", "on": true});
    let (s, p) = app.post(&format!("/api/workspaces/{ws}/preview"), toggle.clone(), &owner).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let line = &p["preview"]["workspaces"][0]["changes"][0];
    assert_eq!(line["people"], json!({"kind": "role", "role": "developer", "count": 2}));
    assert_eq!(line["gains"]["toggles"], json!(["integrations.delete"]));
    let (s, v) = app.post(&format!("/api/workspaces/{ws}/preview"), toggle, &dev).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::FORBIDDEN, "owner_or_admin_only"),
        "refused as the change would be: {v}"
    );
    // Removing dev from Finance: it loses ERP sync and its flow, by name.
    let (_, base) = app.get(&format!("/api/workspaces/{ws}"), &owner).await;
    let finance = base["slice"]["workspaces"][0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Finance")
        .unwrap()["id"]
        .clone();
    let out = json!({"type": "remove_group_member", "workspace": ws, "group": finance, "account": dev.id});
    let (s, p) = app.post(&format!("/api/workspaces/{ws}/preview"), out, &admin).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let line = &p["preview"]["workspaces"][0]["changes"][0];
    assert_eq!(line["people"], json!({"kind": "members", "accounts": [dev.id]}));
    let names: Vec<&str> =
        p["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"ERP sync") && names.contains(&"Post invoices"), "{names:?}");
    assert_eq!(p["people"][0]["id"], dev.id);
    // The partner's admin removing the analyst from its company: the
    // client workspace's dry run says the analyst loses everything there.
    let boss = app.login("boss@techhelp.example").await;
    let (_, me) = app.get("/api/me", &boss).await;
    let techhelp = me["companies"][0]["id"].clone();
    let leave =
        json!({"type": "remove_company_member", "company": techhelp, "account": analyst.id});
    let (s, p) = app.post(&format!("/api/workspaces/{ws}/preview"), leave.clone(), &boss).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let line = &p["preview"]["workspaces"][0]["changes"][0];
    assert_eq!(line["people"], json!({"kind": "members", "accounts": [analyst.id]}), "{p}");
    assert!(line["losses"]["abilities"].as_array().unwrap().contains(&json!("open")), "{p}");
    let (s, v) = app.post(&format!("/api/workspaces/{ws}/preview"), leave, &dev).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(app.counts().await, before, "a dry run writes nothing");
    // A body about another workspace, or not an action: refused.
    let (s, _) =
        app.post(&format!("/api/workspaces/{ws}/preview"), json!({"type": "fly"}), &owner).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}
