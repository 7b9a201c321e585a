//! One listener's `text/event-stream`: what its queue holds, in order, as
//! server-sent events, then (if access ended) the final event.
//!
//! - `change`: `id` = the new version, data `{"kinds":[...]}` (what kind of
//!   records changed: `settings`, `people`, `groups`, `resources`,
//!   `access`, or `other` for a kind this viewer is not shown);
//! - `resync`: reload everything; `id` = the version to continue after,
//!   data `{"why": "overflow" | "behind" | "unknown_version"}`;
//! - `access_ended`: the viewer may no longer view the workspace; data
//!   `{"code": ...}` (the policy's reason, or `signed_out`); the stream
//!   closes after it.
//!
//! The first message sets the client's reconnection delay; an idle stream
//! sends a comment (`:v<version>`, the last version it sent) every
//! [`KEEP_ALIVE`](super::KEEP_ALIVE). Versions at or below the last sent
//! are never sent again.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::Event;
use tokio::sync::{mpsc, watch};

use super::feed::{End, Feed, Msg, Shared, kind};

/// How long a disconnected `EventSource` waits before reconnecting.
const RETRY: Duration = Duration::from_millis(1500);

/// A listener's events, for `axum::response::sse::Sse`.
pub type Stream =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Event, Infallible>> + Send>>;

struct Listening {
    rx: mpsc::Receiver<Msg>,
    shared: Arc<Shared>,
    feed: Arc<Feed>,
    closing: watch::Receiver<bool>,
    /// The last version sent (the client's `Last-Event-ID` to begin with).
    last: i64,
    keep_alive: Duration,
    started: bool,
    done: bool,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.shared.leave();
        self.feed.left();
    }
}

pub(super) fn new(
    rx: mpsc::Receiver<Msg>,
    shared: Arc<Shared>,
    feed: Arc<Feed>,
    closing: watch::Receiver<bool>,
    cursor: i64,
    keep_alive: Duration,
) -> Stream {
    let listening = Listening {
        rx,
        shared,
        feed,
        closing,
        last: cursor,
        keep_alive,
        started: false,
        done: false,
    };
    Box::pin(futures_util::stream::unfold(listening, |mut l| async move {
        let event = l.next().await?;
        Some((Ok(event), l))
    }))
}

fn kinds_json(kinds: u8) -> String {
    let names: Vec<String> = kind::NAMES
        .iter()
        .filter(|(bit, _)| kinds & bit != 0)
        .map(|(_, name)| format!("\"{name}\""))
        .collect();
    format!("{{\"kinds\":[{}]}}", names.join(","))
}

impl Listening {
    async fn next(&mut self) -> Option<Event> {
        if self.done {
            return None;
        }
        if !self.started {
            self.started = true;
            return Some(Event::default().retry(RETRY).comment(format!("v{}", self.last)));
        }
        loop {
            let msg = match self.rx.try_recv() {
                Ok(m) => Some(m),
                Err(mpsc::error::TryRecvError::Disconnected) => None,
                Err(mpsc::error::TryRecvError::Empty) => {
                    let overflowed = self.shared.slot().resync.take();
                    if let Some(version) = overflowed {
                        self.last = self.last.max(version);
                        return Some(resync(version, "overflow"));
                    }
                    if *self.closing.borrow() {
                        self.done = true;
                        return None;
                    }
                    tokio::select! {
                        m = self.rx.recv() => m,
                        () = tokio::time::sleep(self.keep_alive) => {
                            return Some(Event::default().comment(format!("v{}", self.last)));
                        }
                        _ = self.closing.changed() => {
                            self.done = true;
                            return None;
                        }
                    }
                }
            };
            match msg {
                Some(Msg::Change { version, kinds }) => {
                    if version <= self.last {
                        continue;
                    }
                    self.last = version;
                    return Some(
                        Event::default()
                            .event("change")
                            .id(version.to_string())
                            .data(kinds_json(kinds)),
                    );
                }
                Some(Msg::Resync { version, why }) => {
                    self.last = self.last.max(version);
                    return Some(resync(version, why));
                }
                None => {
                    // The feed let go: access ended (one final event), or
                    // the server is stopping (the client reconnects).
                    self.done = true;
                    let end = self.shared.slot().end.take();
                    return end.map(ended);
                }
            }
        }
    }
}

fn resync(version: i64, why: &str) -> Event {
    Event::default().event("resync").id(version.to_string()).data(format!("{{\"why\":\"{why}\"}}"))
}

fn ended(end: End) -> Event {
    Event::default()
        .event("access_ended")
        .id(end.version.to_string())
        .data(format!("{{\"code\":\"{}\"}}", end.code))
}
