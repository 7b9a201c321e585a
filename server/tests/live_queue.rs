//! Live access, in process (the router driven with `oneshot`): a client
//! that does not read its stream while 100 changes land gets what its
//! queue holds, then one `resync` — never a silent gap — and the stream
//! goes on after it; every event is at most 256 bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod live_support;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use live_support::{Ev, parse_block};
use serde_json::{Value, json};
use server::db::Db;
use server::mail::Mailer;
use server::{AppState, app};
use tower::ServiceExt;

async fn call(
    router: &Router,
    method: &str,
    path: &str,
    body: Option<Value>,
    who: Option<&(String, String)>,
) -> (u16, Value, Option<String>) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some((cookie, csrf)) = who {
        req = req
            .header("cookie", format!("gatehouse_session={cookie}"))
            .header("x-csrf-token", csrf);
    }
    let req = match body {
        Some(b) => {
            req.header("content-type", "application/json").body(Body::from(b.to_string())).unwrap()
        }
        None => req.body(Body::empty()).unwrap(),
    };
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("gatehouse_session="))
        .map(|v| v.split(';').next().unwrap().to_owned());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null), cookie)
}

async fn login(router: &Router, email: &str) -> (String, String) {
    let (s, v, cookie) = call(
        router,
        "POST",
        "/api/auth/login",
        Some(json!({"email": email, "password": server::demo::PASSWORD})),
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    (cookie.unwrap(), v["csrf_token"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_gets_resync_never_a_silent_gap() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&Db::sqlite_url(dir.path()).unwrap()).await.unwrap();
    let mailer = Mailer::from_settings(None, dir.path().join("outbox")).unwrap();
    let cache = server::facts_cache::FactsCache::new(64, false);
    let state = AppState::new(db, mailer, "http://gatehouse.test".into(), cache)
        .with_sign_in_limits(Vec::new(), 100_000);
    server::demo::seed_if_empty(&state).await.unwrap();
    let router = app(state, None);
    let owner = login(&router, "owner@beta.example").await;
    let dev = login(&router, "dev@beta.example").await;
    let (_, me, _) = call(&router, "GET", "/api/me", None, Some(&owner)).await;
    let ws = me["workspaces"][0]["id"].as_i64().unwrap();
    let (_, base, _) =
        call(&router, "GET", &format!("/api/workspaces/{ws}"), None, Some(&dev)).await;
    let v0 = base["version"].as_i64().unwrap();

    let req = Request::builder()
        .uri(format!("/api/workspaces/{ws}/events"))
        .header("cookie", format!("gatehouse_session={}", dev.0))
        .body(Body::empty())
        .unwrap();
    let res = router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut body = res.into_body();

    // 100 changes; nobody reads the stream meanwhile.
    const CHANGES: i64 = 100;
    for i in 0..CHANGES {
        let (s, v, _) = call(
            &router,
            "PATCH",
            &format!("/api/workspaces/{ws}"),
            Some(json!({"data_studio": i % 2 == 0})),
            Some(&owner),
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }

    let mut text = String::new();
    let mut events: Vec<Ev> = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while events.last().is_none_or(|e| e.id() < v0 + CHANGES) {
        assert!(std::time::Instant::now() < deadline, "stalled after {events:?}");
        let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
            .await
            .expect("an event")
            .expect("the stream goes on")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(std::str::from_utf8(&data).unwrap());
        }
        while let Some(i) = text.find("\n\n") {
            let block: String = text.drain(..i + 2).collect();
            assert!(block.len() <= 256, "an event of {} bytes: {block:?}", block.len());
            if let Some(ev) = parse_block(block.trim_end())
                && !matches!(ev, Ev::Alive(_))
            {
                events.push(ev);
            }
        }
    }
    // Consecutive ids, except right where a resync says to reload.
    let mut last = v0;
    let mut resyncs = 0;
    for ev in &events {
        match ev {
            Ev::Change { id, .. } => assert_eq!(*id, last + 1, "a silent gap in {events:?}"),
            Ev::Resync { id, why } => {
                assert_eq!(why, "overflow");
                assert!(*id > last);
                resyncs += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
        last = ev.id();
    }
    assert_eq!(resyncs, 1, "{events:?}");
    let queued = events.iter().filter(|e| matches!(e, Ev::Change { .. })).count();
    assert!(
        queued >= server::live::QUEUE && queued < usize::try_from(CHANGES).unwrap(),
        "{queued}"
    );

    // The stream goes on after the resync.
    call(
        &router,
        "PATCH",
        &format!("/api/workspaces/{ws}"),
        Some(json!({"data_studio": true})),
        Some(&owner),
    )
    .await;
    loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
            .await
            .expect("the next change")
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&frame.into_data().unwrap()).unwrap());
        if let Some(i) = text.find("\n\n") {
            let block: String = text.drain(..i + 2).collect();
            match parse_block(block.trim_end()) {
                Some(Ev::Change { id, kinds }) => {
                    assert_eq!((id, kinds), (v0 + CHANGES + 1, vec!["settings".to_owned()]));
                    break;
                }
                Some(Ev::Alive(_)) | None => {}
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}
