//! The HTTP API's contract (SPEC 12): the OpenAPI document is valid and
//! complete (every reference resolves, every path parameter is declared,
//! every operation lists its statuses with JSON error bodies), and the
//! server answers with the policy's reason codes where the policy names
//! the situation.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::TestApp;

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Every `$ref` in `v`, with where it is.
fn refs(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k == "$ref" {
                    out.push((child.as_str().unwrap_or("").to_owned(), at.to_owned()));
                } else {
                    refs(child, &format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                refs(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Checks the served document: references, path parameters, operation
/// ids, statuses and their bodies. Returns the number of operations.
pub fn check_document(doc: &Value) -> usize {
    assert_eq!(doc["openapi"].as_str(), Some("3.1.0"), "OpenAPI 3.1");
    let schemas = doc["components"]["schemas"].as_object().expect("component schemas");
    // No dangling reference (the old document pointed 33 times at `i64`).
    let mut found = Vec::new();
    refs(doc, "#", &mut found);
    assert!(!found.is_empty());
    for (r, at) in &found {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{at}: {r}"));
        assert!(schemas.contains_key(name), "{at}: $ref {r} names no schema");
    }
    let mut ids = BTreeSet::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let wanted: BTreeSet<&str> =
            path.split('{').skip(1).filter_map(|s| s.split('}').next()).collect();
        for (method, op) in item.as_object().unwrap() {
            assert!(METHODS.contains(&method.as_str()), "{path}: {method}");
            operations += 1;
            let what = format!("{} {path}", method.to_uppercase());
            // Every `{param}` declared once, in the path, required; no others.
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let declared: Vec<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .inspect(|p| assert_eq!(p["required"], true, "{what}: {p}"))
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert_eq!(
                declared.iter().copied().collect::<BTreeSet<_>>(),
                wanted,
                "{what}: path parameters"
            );
            assert_eq!(declared.len(), wanted.len(), "{what}: a path parameter declared twice");
            for p in &params {
                assert!(p["schema"].is_object(), "{what}: {p} has no schema");
            }
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{what}: no id"));
            assert!(ids.insert(id.to_owned()), "{what}: operationId {id} used twice");
            assert!(
                server::routes::openapi::reasons(id).is_some(),
                "{what}: {id} lists no policy reasons (routes/openapi.rs `reasons`)"
            );
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("200"), "{what}: no 200");
            for (status, r) in responses {
                assert!(
                    !r["description"].as_str().unwrap_or("").is_empty(),
                    "{what} {status}: no description"
                );
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        r["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{what} {status}: errors are ErrorBody"
                    );
                }
            }
            let has = |s: &str| responses.contains_key(s);
            // No `security`: the document's (a session); `{}` listed: may be signed out.
            let security = op["security"].as_array();
            let signed_out = security.is_some_and(|s| s.contains(&json!({})));
            let signed_in = security.is_none_or(|s| s.iter().any(|r| r != &json!({})));
            if !signed_out {
                assert!(has("401"), "{what}: signed-in operations answer 401");
            }
            if method != "get" && signed_in {
                assert!(has("403"), "{what}: state-changing operations answer 403 (csrf)");
            }
            let streams = responses["200"]["content"].get("text/event-stream").is_some();
            if method == "get" && !streams {
                assert!(has("304"), "{what}: reads revalidate (304)");
            }
            if op.get("requestBody").is_some() {
                for s in ["400", "413", "415", "422"] {
                    assert!(has(s), "{what}: a body can be refused with {s}");
                }
            }
            if !wanted.is_empty() {
                assert!(has("404") && has("422"), "{what}: path values can name nothing");
            }
        }
    }
    operations
}

/// Where the policy has a code, the server answers with it, never a
/// generic `not_found`; adding someone already in a group changes nothing
/// and is no error, on the server as in the package.
pub async fn reason_codes_are_the_policys(app: TestApp) {
    let ws = app.demo().await;
    let owner = app.login("owner@beta.example").await;
    let (_, me) = app.get("/api/me", &owner).await;
    let beta = me["companies"][0]["id"].as_i64().unwrap();
    let (s, v) = app.post("/api/grants/redeem", json!({"access_key": "ghk_nope"}), &owner).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_grant"), "{v}");
    let (s, v) = app.call("GET", "/api/invitations/nope", None, None).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_invitation"), "{v}");
    let (s, v) = app
        .call(
            "POST",
            "/api/invitations/nope/accept",
            Some(json!({"name": "N", "password": "long enough"})),
            None,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_invitation"), "{v}");
    let (s, v) = app.post("/api/join/nope", json!({}), &owner).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_workspace"), "{v}");
    let (s, v) = app
        .post(&format!("/api/companies/{beta}/members"), json!({"email": "nobody@else.io"}), &owner)
        .await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_account"), "{v}");
    let (s, v) = app.get("/api/workspaces/99999/toggles", &owner).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_workspace"), "{v}");
    // The same account twice, in one request and again: allowed, one row.
    let dev = app.login("dev@beta.example").await;
    let (s, v) =
        app.post(&format!("/api/workspaces/{ws}/groups"), json!({"name": "Twice"}), &owner).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let group = v["id"].as_i64().unwrap();
    let members = format!("/api/workspaces/{ws}/groups/{group}/members");
    for _ in 0..2 {
        let (s, v) = app.post(&members, json!({"accounts": [dev.id, dev.id]}), &owner).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = app.get(&members, &owner).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ids: Vec<i64> =
        v["members"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![dev.id]);
    let decided = app
        .post(
            &format!("/api/workspaces/{ws}/decide"),
            json!({"type": "add_group_members", "workspace": ws, "group": group, "accounts": [dev.id]}),
            &owner,
        )
        .await;
    assert_eq!(decided.1["allowed"], true, "the policy says the same: {}", decided.1);
}
