//! Search boxes: a query is sent once typing pauses.

use leptos::prelude::*;

/// How long typing must pause before a search is sent.
pub const DEBOUNCE_MS: u32 = 150;

/// Sets `target` to `value` once typing has paused for [`DEBOUNCE_MS`]
/// (a later keystroke cancels the earlier one).
pub fn debounce(target: RwSignal<String>, value: String) {
    thread_local! {
        static PENDING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }
    let ticket = PENDING.with(|p| {
        p.set(p.get().wrapping_add(1));
        p.get()
    });
    leptos::task::spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(DEBOUNCE_MS).await;
        if PENDING.with(|p| p.get()) == ticket {
            target.set(value);
        }
    });
}
