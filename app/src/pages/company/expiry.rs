//! A grant's expiry (SPEC 7): when it ends, the 30-day warning both
//! companies see, and the lengths a client may choose when granting or
//! renewing (default one year, at most two).

use leptos::prelude::*;
use policy::Timestamp;
use policy::api::GrantInfo;

use super::CompanyLoaded;

const DAY: Timestamp = 24 * 60 * 60;

/// The lengths offered, in days, with their labels; the default first.
pub(super) const LENGTHS: [(Timestamp, &str); 5] =
    [(365, "1 year"), (30, "1 month"), (91, "3 months"), (182, "6 months"), (730, "2 years")];

/// `days` from now, as a grant's expiry.
pub(super) fn expiry_in(days: Timestamp) -> Timestamp {
    crate::clock::now() + days * DAY
}

/// A date as `YYYY-MM-DD` (UTC).
pub(super) fn date(at: Timestamp) -> String {
    // Seconds to milliseconds, exact for any date in range.
    #[allow(clippy::cast_precision_loss)]
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64 * 1000.0));
    String::from(d.to_iso_string()).chars().take(10).collect()
}

/// The length select; `days` holds the choice.
#[component]
pub(super) fn LengthSelect(days: RwSignal<Timestamp>, label: &'static str) -> impl IntoView {
    view! {
        <label>
            {label}
            <select on:change=move |ev| {
                if let Ok(d) = event_target_value(&ev).parse() {
                    days.set(d);
                }
            }>
                {LENGTHS.into_iter().map(|(d, name)| view! {
                    <option value=d.to_string() selected=move || days.get() == d>{name}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

/// When the grant ends, and a warning from 30 days before (or that it has
/// ended), as the policy judges it at the server's time.
#[component]
pub(super) fn ExpiryNote(c: std::sync::Arc<CompanyLoaded>, grant: GrantInfo) -> impl IntoView {
    let now = crate::clock::now();
    let facts = c.facts.grant(grant.id);
    let expired = facts.is_some_and(|g| g.is_expired(now));
    let soon = facts.is_some_and(|g| g.expires_soon(now));
    let on = date(grant.expires_at);
    if expired {
        view! { <p class="notice warn" role="status">{format!("Access expired on {on}. The client can renew it.")}</p> }
            .into_any()
    } else if soon {
        let days = (grant.expires_at - now).div_euclid(DAY);
        view! { <p class="notice warn" role="status">{format!("Access ends on {on} (in {days} days) unless the client renews it.")}</p> }
            .into_any()
    } else {
        view! { <p class="muted">{format!("Access ends on {on}.")}</p> }.into_any()
    }
}
