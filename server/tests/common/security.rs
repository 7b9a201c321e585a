//! Hardening over HTTP (SPEC 1, 11, 12): security headers on every
//! response, Secure cookies behind an https public URL.

use axum::http::StatusCode;
use serde_json::json;
use tower::ServiceExt;

use super::TestApp;

/// Every response, app page or API, carries the security headers; the app's
/// CSP allows the page's own inline loader by its hash and nothing else
/// inline, the API's allows nothing at all.
pub async fn security_headers_on_every_response(app: TestApp) {
    let dist = app.dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Gatehouse</title><script type=\"module\">init();</script>",
    )
    .unwrap();
    let router = server::app(app.state.clone(), Some(&dist));
    for (path, status) in [
        ("/", StatusCode::OK),
        ("/w/1/users", StatusCode::OK),
        ("/api/me", StatusCode::UNAUTHORIZED),
        ("/api/nope", StatusCode::NOT_FOUND),
        ("/api/openapi.json", StatusCode::OK),
    ] {
        let res = router
            .clone()
            .oneshot(axum::http::Request::get(path).body(axum::body::Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{path}");
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        if path.starts_with("/api/") {
            // JSON, never a page: nothing may load, run or frame it.
            assert_eq!(csp, "default-src 'none'; frame-ancestors 'none'", "{path}");
        } else {
            for part in [
                "default-src 'self'",
                "'wasm-unsafe-eval'",
                "frame-ancestors 'none'",
                "object-src 'none'",
                // printf 'init();' | openssl dgst -sha256 -binary | base64
                "'sha256-GEnM5q1nYY/iACnyMTdov+tNp9OFcBnnDgNXUXaVNXc='",
            ] {
                assert!(csp.contains(part), "{path}: CSP {csp:?} lacks {part}");
            }
            assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        }
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin", "{path}");
    }
}

/// The session cookie is HttpOnly and SameSite=Strict always, and Secure
/// when the server's public URL is https.
pub async fn session_cookies_are_secure_behind_https(app: TestApp) {
    app.demo().await;
    let cookie_of = |res: &axum::http::Response<axum::body::Body>| {
        res.headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|v| v.starts_with("gatehouse_session="))
            .unwrap()
    };
    let login = || {
        axum::http::Request::post("/api/auth/login")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(
                json!({"email": "owner@beta.example", "password": server::demo::PASSWORD})
                    .to_string(),
            ))
            .unwrap()
    };
    let plain = app.router.clone().oneshot(login()).await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    let c = cookie_of(&plain);
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict"), "{c}");
    assert!(!c.contains("Secure"), "http: no Secure ({c})");
    let mailer = server::mail::Mailer::from_settings(None, app.dir.path().join("outbox2")).unwrap();
    let cache = server::facts_cache::FactsCache::new(16, true);
    let https = server::AppState::new(
        app.state.db.clone(),
        mailer,
        "https://gatehouse.example".into(),
        cache,
    );
    let router = server::app(https, None);
    let res = router.oneshot(login()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let c = cookie_of(&res);
    assert!(c.contains("Secure") && c.contains("HttpOnly") && c.contains("SameSite=Strict"), "{c}");
}
