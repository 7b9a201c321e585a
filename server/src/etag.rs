//! Revalidation for the API's reads: every successful GET carries an ETag
//! (a hash of its body, leaving out the server's time it carries) and `Cache-Control: private, no-cache`, and a
//! request whose `If-None-Match` names the current tag gets 304 with no
//! body. A tab switch that changed nothing costs a round trip of headers.
//! The server still decides and reads as for any request: a revoked
//! analyst or a removed member is refused, not answered from a cache.

use axum::body::Body;
use axum::extract::Request;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};

use crate::state::AppState;

/// Largest body hashed (bigger responses go out untagged).
const MAX_TAGGED: usize = 8 * 1024 * 1024;

pub async fn etag(req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let asked = req.headers().get(header::IF_NONE_MATCH).cloned();
    let res = next.run(req).await;
    let streaming =
        res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v == "text/event-stream");
    if res.status() != StatusCode::OK || streaming {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match http_body_util::Limited::new(body, MAX_TAGGED).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let digest = digest_without_now(&bytes);
    let tag = format!("\"{}\"", hex::encode(&digest[..12]));
    let Ok(value) = HeaderValue::from_str(&tag) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    parts.headers.insert(header::ETAG, value.clone());
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    let matches = asked.as_ref().and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(',').map(str::trim).any(|t| t == tag || t == format!("W/{tag}") || t == "*")
    });
    if matches {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        not_modified.headers_mut().insert(header::ETAG, value);
        not_modified
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
        return not_modified;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The response header that carries the server's time.
pub const NOW_HEADER: &str = "x-gatehouse-now";

/// The server's time (seconds since the epoch: the time its decisions are
/// made at) on every API response, a 304 included: a client whose copy of
/// a slice is still current learns the time from this header, since the
/// copy carries the time it was first sent.
pub async fn server_time(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&st.now().to_string()) {
        res.headers_mut().insert(NOW_HEADER, value);
    }
    res
}

/// The key of the server's time in a slice (`"now": <seconds>`). Inside a
/// JSON string a quote is escaped, so these bytes only ever start a key.
const NOW_KEY: &[u8] = b"\"now\":";

/// The body's hash without the value of any `"now"` key: a slice that
/// differs only in when it was sent is unchanged (the client keeps its
/// copy and its clock, which runs on from the last newer time it saw).
fn digest_without_now(body: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    let mut rest = body;
    while let Some(at) = rest.windows(NOW_KEY.len()).position(|w| w == NOW_KEY) {
        let value = at + NOW_KEY.len();
        hash.update(&rest[..value]);
        let digits = rest[value..].iter().take_while(|b| b.is_ascii_digit() || **b == b'-').count();
        rest = &rest[value + digits..];
    }
    hash.update(rest);
    hash.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::digest_without_now;

    fn tag(body: &str) -> Vec<u8> {
        digest_without_now(body.as_bytes()).to_vec()
    }

    #[test]
    fn the_time_is_left_out_and_nothing_else() {
        assert_eq!(tag(r#"{"a":1,"now":1700000000}"#), tag(r#"{"a":1,"now":1700000099}"#));
        assert_ne!(tag(r#"{"a":1,"now":1}"#), tag(r#"{"a":2,"now":1}"#));
        // A name that merely contains the text is a string: escaped quotes.
        assert_ne!(tag(r#"{"name":"x\"now\":1"}"#), tag(r#"{"name":"x\"now\":2"}"#));
        assert_ne!(tag(r#"{"nowhere":1}"#), tag(r#"{"nowhere":2}"#));
    }
}
