//! Security headers on every response (API and app): a Content Security
//! Policy fitted to the single-page app (the API's JSON gets the strictest
//! one: nothing loads or runs from it), no MIME sniffing, no framing, no
//! referrer beyond the origin.
//!
//! The SPA's page has one inline module script (Trunk's loader); the policy
//! allows exactly that script by its SHA-256, computed from the built
//! `index.html` when the server starts, plus the app's own files and
//! `'wasm-unsafe-eval'` for compiling WebAssembly. Nothing else runs.

use std::path::Path;

use axum::http::{HeaderName, HeaderValue, header};
use base64::Engine;
use sha2::{Digest, Sha256};
use tower_http::set_header::SetResponseHeaderLayer;

/// The inline `<script>` bodies of a page, hashed for `script-src`.
fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else { break };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script>") else { break };
        if !tag.contains(" src=") {
            let body = &after[body_start..body_start + close];
            let digest = Sha256::digest(body.as_bytes());
            out.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &after[body_start + close..];
    }
    out
}

/// The Content Security Policy for the app in `dist` (if built).
pub fn content_security_policy(dist: Option<&Path>) -> String {
    let page = dist.and_then(|d| std::fs::read_to_string(d.join("index.html")).ok());
    let hashes = page.as_deref().map(inline_script_hashes).unwrap_or_default().join(" ");
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {hashes}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The Content Security Policy of the API's responses (JSON, never a
/// page): nothing may load, run or frame it. Short, too: every 304 of a
/// tab switch carries it.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The layer giving the API's responses [`API_CSP`] (the app's policy
/// from [`layers`] then leaves them as they are).
pub fn api_layer() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(API_CSP),
    )
}

/// The layers setting the headers (each overrides whatever a handler set;
/// the CSP only where the API's is not set).
pub fn layers(csp: &str) -> [SetResponseHeaderLayer<HeaderValue>; 4] {
    let value = |v: &str| {
        HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("default-src 'self'"))
    };
    let set = |name: HeaderName, v: HeaderValue| SetResponseHeaderLayer::overriding(name, v);
    [
        SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, value(csp)),
        set(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        set(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        set(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")),
    ]
}

#[cfg(test)]
mod tests {
    use super::inline_script_hashes;

    #[test]
    fn hashes_inline_scripts_only() {
        let page =
            "<head><script type=\"module\">init();</script><script src=\"/x.js\"></script></head>";
        let hashes = inline_script_hashes(page);
        assert_eq!(hashes.len(), 1);
        // printf 'init();' | openssl dgst -sha256 -binary | base64
        assert_eq!(hashes[0], "'sha256-GEnM5q1nYY/iACnyMTdov+tNp9OFcBnnDgNXUXaVNXc='");
    }
}
