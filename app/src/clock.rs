//! The time every decision in the app is made at (SPEC 7): the server's
//! time sent with the latest response, advanced by the browser's monotonic
//! clock — so a wrong local clock never keeps a control enabled past an
//! expiry, nor disables one early.

use std::cell::Cell;

use policy::Timestamp;

thread_local! {
    /// The server's time and the monotonic reading (ms) when it arrived.
    static SYNCED: Cell<Option<(Timestamp, f64)>> = const { Cell::new(None) };
}

/// Milliseconds from the page's monotonic clock (`performance.now()`).
fn monotonic_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Records the server's time sent with a response, when it is newer than
/// the last one recorded: a response revalidated as unchanged (304) comes
/// back from the browser's cache with the time it was first sent, and the
/// clock runs on from the newer time instead.
pub fn sync(server_now: Timestamp) {
    SYNCED.with(|s| {
        if s.get().is_none_or(|(last, _)| server_now > last) {
            s.set(Some((server_now, monotonic_ms())));
        }
    });
}

/// Now, in seconds since the epoch: the server's time advanced by the
/// monotonic clock; the local clock only before the first response.
pub fn now() -> Timestamp {
    // Whole seconds, well within i64.
    #[allow(clippy::cast_possible_truncation)]
    match SYNCED.with(Cell::get) {
        Some((server, at)) => server + ((monotonic_ms() - at) / 1000.0).floor() as Timestamp,
        None => (js_sys::Date::now() / 1000.0).floor() as Timestamp,
    }
}
