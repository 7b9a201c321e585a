//! Need to know over HTTP (SPEC 9), on SQLite and PostgreSQL: pages follow
//! the policy's visibility exactly, nothing a viewer may not see is sent,
//! unknown rather than refused, revalidation by ETag.

use axum::http::StatusCode;
use policy::{Action, Facts};
use serde_json::{Value, json};

use super::{Client, TestApp, client_from};

/// A small deterministic generator (no dependency, same worlds every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

async fn sign_up(app: &TestApp, email: &str) -> Client {
    let (s, v) = app
        .call(
            "POST",
            "/api/auth/signup",
            Some(json!({"email": email, "name": email, "password": "password one"})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    client_from(&v)
}

/// Every page of `path` (which has a `?`), concatenated, `limit` a page.
async fn all_pages(app: &TestApp, path: &str, key: &str, who: &Client, limit: u32) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let (s, v) = app.get(&format!("{path}&limit={limit}{after}"), who).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        out.extend(v[key].as_array().unwrap().iter().cloned());
        match v["next"].as_str() {
            Some(n) => after = format!("&after={n}"),
            None => return out,
        }
    }
}

/// The resources pages a viewer gets hold exactly the resources the policy
/// lets it view, in id order, page after page (the visibility compiled into
/// SQL equals `decide`), for random worlds of groups and resources.
pub async fn resource_pages_follow_the_policy(app: TestApp) {
    let ws = app.demo().await;
    let owner = app.login("owner@beta.example").await;
    let mut rng = Lcg(ws as u64 * 7919);
    // More developers, groups with random members, resources in random groups.
    let mut people = vec![
        app.login("dev@beta.example").await,
        app.login("dev2@beta.example").await,
        app.login("admin@beta.example").await,
        app.login("analyst@techhelp.example").await,
    ];
    for i in 0..3 {
        let c = sign_up(&app, &format!("extra{i}@nk.example")).await;
        app.post(
            &format!("/api/workspaces/{ws}/invitations"),
            json!({"email": format!("extra{i}@nk.example"), "role": "developer"}),
            &owner,
        )
        .await;
        let link = app.last_invitation_link();
        let token = link.rsplit('/').next().unwrap();
        let (s, v) = app.post(&format!("/api/invitations/{token}/accept"), json!({}), &c).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        people.push(c);
    }
    let mut groups = Vec::new();
    for g in 0..4 {
        let (_, v) = app
            .post(&format!("/api/workspaces/{ws}/groups"), json!({"name": format!("G{g}")}), &owner)
            .await;
        let id = v["id"].as_i64().unwrap();
        let members: Vec<i64> = people
            .iter()
            .filter(|_| rng.below(3) == 0)
            .map(|p| p.id)
            .filter(|&p| p != people[3].id)
            .collect();
        if !members.is_empty() {
            let (s, v) = app
                .post(
                    &format!("/api/workspaces/{ws}/groups/{id}/members"),
                    json!({"accounts": members}),
                    &owner,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        groups.push(id);
    }
    let kinds = [
        "module",
        "integration",
        "api_gateway",
        "connected_account",
        "data_job",
        "file_job",
        "file_template",
        "api_gateway_user",
    ];
    let mut integrations = Vec::new();
    for i in 0..30 {
        let kind = kinds[rng.below(kinds.len() as u64) as usize];
        let (s, v) = app
            .post(
                &format!("/api/workspaces/{ws}/resources"),
                json!({"kind": kind, "name": format!("R{i}")}),
                &owner,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let id = v["id"].as_i64().unwrap();
        if kind == "integration" {
            integrations.push(id);
        }
        if !matches!(kind, "connected_account" | "api_gateway_user") {
            let chosen: Vec<i64> = groups.iter().copied().filter(|_| rng.below(3) == 0).collect();
            app.call(
                "PUT",
                &format!("/api/workspaces/{ws}/resources/{id}/groups"),
                Some(json!({"groups": chosen})),
                Some(&owner),
            )
            .await;
        }
    }
    for (i, integration) in integrations.iter().enumerate() {
        let (s, v) = app
            .post(
                &format!("/api/workspaces/{ws}/resources"),
                json!({"kind": "flow", "name": format!("F{i}"), "integration": integration}),
                &owner,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let facts: Facts = app.facts(owner.id, &[ws], &[]).await;
    let all: Vec<i64> = {
        let mut ids: Vec<i64> =
            facts.workspace(ws).unwrap().data().resources.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids
    };
    people.push(owner.clone());
    for viewer in &people {
        let expected: Vec<i64> = all
            .iter()
            .copied()
            .filter(|&r| {
                facts
                    .decide(
                        viewer.id,
                        &Action::ViewResource { workspace: ws, resource: r },
                        app.state.now(),
                    )
                    .is_allowed()
            })
            .collect();
        for limit in [1, 7, 200] {
            let got: Vec<i64> = all_pages(
                &app,
                &format!("/api/workspaces/{ws}/resources?q="),
                "resources",
                viewer,
                limit,
            )
            .await
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
            assert_eq!(got, expected, "viewer {} pages of {limit}", viewer.id);
        }
        // A kind filter applies before the page is cut, too.
        let modules: Vec<i64> = all_pages(
            &app,
            &format!("/api/workspaces/{ws}/resources?kind=module"),
            "resources",
            viewer,
            2,
        )
        .await
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
        let expected_modules: Vec<i64> = expected
            .iter()
            .copied()
            .filter(|&r| {
                facts.workspace(ws).unwrap().resource(r).unwrap().kind
                    == policy::ResourceKind::Module
            })
            .collect();
        assert_eq!(modules, expected_modules, "viewer {} modules", viewer.id);
    }
}

/// What a viewer is sent is what it may know: a Developer outside the
/// Logistics group never gets Logistics resources' names, nor the partner's
/// staff; about what it may not see it is told "unknown", as if it did not
/// exist; the base is the same size however many resources there are.
pub async fn nothing_unneeded_is_sent(app: TestApp) {
    let ws = app.demo().await;
    let owner = app.login("owner@beta.example").await;
    let dev = app.login("dev@beta.example").await; // Finance only
    let mut sent = String::new();
    for path in [
        format!("/api/workspaces/{ws}"),
        format!("/api/workspaces/{ws}/members?q="),
        format!("/api/workspaces/{ws}/resources?q="),
    ] {
        let (s, v) = app.get(&path, &dev).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        sent.push_str(&v.to_string());
    }
    for secret in ["Public orders API", "Manifest CSV", "boss@techhelp.example", "password", "hash"]
    {
        assert!(!sent.contains(secret), "a developer in Finance was sent {secret:?}: {sent}");
    }
    // The run plan's jobs are named even where the developer cannot see them.
    assert!(sent.contains("Carrier manifest upload"), "the run plan's job: {sent}");
    // Unknown, not refused: a Logistics-only resource is 404 for the developer.
    let (_, page) = app.get(&format!("/api/workspaces/{ws}/resources?q=public"), &owner).await;
    let gateway = page["resources"][0]["id"].as_i64().unwrap();
    let (s, v) = app
        .call(
            "PATCH",
            &format!("/api/workspaces/{ws}/resources/{gateway}"),
            Some(json!({"name": "x"})),
            Some(&dev),
        )
        .await;
    assert_eq!((s, v["code"].as_str().unwrap_or("")), (StatusCode::NOT_FOUND, "unknown_resource"));
    // The client's people see the analyst registered there, no other partner staff.
    let (_, rows) = app.get(&format!("/api/workspaces/{ws}/members?limit=200"), &owner).await;
    let text = rows.to_string();
    assert!(text.contains("analyst@techhelp.example") && !text.contains("boss@techhelp.example"));
    // The base stays the same size with many more resources.
    let (_, mut before) = app.get(&format!("/api/workspaces/{ws}"), &owner).await;
    // The version grows with every change, by design.
    before["version"] = json!(0);
    for i in 0..60 {
        app.post(
            &format!("/api/workspaces/{ws}/resources"),
            json!({"kind": "module", "name": format!("Bulk {i}")}),
            &owner,
        )
        .await;
    }
    let (_, mut after) = app.get(&format!("/api/workspaces/{ws}"), &owner).await;
    after["version"] = json!(0);
    assert_eq!(
        before.to_string().len(),
        after.to_string().len(),
        "the base does not grow with resources"
    );
    // Whole-set questions go to the server.
    let (s, v) = app
        .post(
            &format!("/api/workspaces/{ws}/decide"),
            json!({"type": "invite", "workspace": ws, "email": "dev2@beta.example", "role": "developer"}),
            &owner,
        )
        .await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::OK, Some("already_a_member")), "{v}");
    let (s, v) = app
        .post(
            &format!("/api/workspaces/{ws}/decide"),
            json!({"type": "view_workspace", "workspace": ws + 1000}),
            &owner,
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("workspace")),
        "{v}"
    );
}

/// A read revalidated with its ETag is a 304 with no body while nothing
/// changed; after a change it is a 200 with a new tag. Revoked access is
/// still refused, not served from a cache.
pub async fn reads_revalidate_with_etags(app: TestApp) {
    let ws = app.demo().await;
    let owner = app.login("owner@beta.example").await;
    let analyst = app.login("analyst@techhelp.example").await;
    for path in [format!("/api/workspaces/{ws}"), format!("/api/workspaces/{ws}/members?q=")] {
        let (s, h, body) = app.get_with(&path, &owner, &[]).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!body.is_empty());
        let tag = h["etag"].to_str().unwrap().to_owned();
        // Later, nothing changed: still the same (the time sent is not
        // part of what is tagged).
        app.state.advance_clock(5);
        let before = app.state.now();
        let (s, h2, body) = app.get_with(&path, &owner, &[("if-none-match", &tag)]).await;
        assert_eq!((s, body.len()), (StatusCode::NOT_MODIFIED, 0), "{path}");
        // The 304 still says what time it is now (the clock moved on).
        let now: i64 = h2["x-gatehouse-now"].to_str().unwrap().parse().unwrap();
        assert!((before..=app.state.now()).contains(&now), "{now}");
        assert_eq!(h2["etag"].to_str().unwrap(), tag);
        // A change: a 200 with a new tag.
        app.post(
            &format!("/api/workspaces/{ws}/invitations"),
            json!({"email": format!("tag{}@x.io", tag.len() + path.len()), "role": "developer"}),
            &owner,
        )
        .await;
        app.call(
            "PATCH",
            &format!("/api/workspaces/{ws}"),
            Some(json!({"data_studio": path.len() % 2 == 0})),
            Some(&owner),
        )
        .await;
        let (s, h3, _) = app.get_with(&path, &owner, &[("if-none-match", &tag)]).await;
        assert_eq!(s, StatusCode::OK, "{path} changed");
        assert_ne!(h3["etag"].to_str().unwrap(), tag);
    }
    // The analyst revalidates, the client deletes the key: refused at once.
    let path = format!("/api/workspaces/{ws}");
    let (_, h, _) = app.get_with(&path, &analyst, &[]).await;
    let tag = h["etag"].to_str().unwrap().to_owned();
    let (_, me) = app.get("/api/me", &owner).await;
    let client = me["companies"][0]["id"].as_i64().unwrap();
    let (_, page) = app.get(&format!("/api/companies/{client}"), &owner).await;
    let grant = page["grants"][0]["id"].as_i64().unwrap();
    let (s, _) = app.call("DELETE", &format!("/api/grants/{grant}"), None, Some(&owner)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = app.get_with(&path, &analyst, &[("if-none-match", &tag)]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "revoked: refused, not a 304");
}
