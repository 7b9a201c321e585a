//! Controls gated by a policy decision: enabled when allowed, otherwise
//! disabled with the policy's sentence as their description.

use leptos::prelude::*;
use policy::Decision;

/// The sentence to show for a refused decision.
pub fn reason(decision: &Decision) -> Option<String> {
    decision.message().map(str::to_owned)
}

/// A button the policy allows or refuses. Refused: disabled, the sentence in
/// its tooltip and accessible description.
#[component]
pub fn GuardedButton(
    #[prop(into)] decision: Signal<Decision>,
    #[prop(into)] label: String,
    on_click: impl Fn() + 'static,
    #[prop(optional, into)] class: Option<String>,
    /// An extra accessible name, when `label` alone is ambiguous in a list.
    #[prop(optional, into)]
    aria_label: Option<String>,
) -> impl IntoView {
    // The generic part stays this small: one body for every call site.
    guarded_button(decision, label, Box::new(on_click), class, aria_label)
}

fn guarded_button(
    decision: Signal<Decision>,
    label: String,
    on_click: Box<dyn Fn()>,
    class: Option<String>,
    aria_label: Option<String>,
) -> AnyView {
    let allowed = move || decision.with(Decision::is_allowed);
    let why = move || decision.with(reason);
    view! {
        <button
            type="button"
            class=class.unwrap_or_else(|| "button".into())
            disabled=move || !allowed()
            title=why
            aria-description=why
            aria-label=aria_label
            on:click=move |_| on_click()
        >
            {label}
        </button>
    }
    .into_any()
}

/// The policy's sentence shown under a refused control, for places where a
/// tooltip alone would hide it (the Permissions form). Its line is kept
/// even while allowed, so a control that becomes refused (live access)
/// does not move.
#[component]
pub fn WhyNot(#[prop(into)] decision: Signal<Decision>) -> impl IntoView {
    view! { <span class="why reserved">{move || decision.with(reason)}</span> }
}

/// A read-only value shown once (an access key, a link) with a Copy button.
#[component]
pub fn CopyField(#[prop(into)] label: String, #[prop(into)] value: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = value.clone();
    let copy = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&text);
            copied.set(true);
        }
    };
    view! {
        <div class="copy-field">
            <label>
                {label}
                <input readonly=true value=value on:focus=|ev| {
                    if let Some(input) = event_target::<web_sys::HtmlInputElement>(&ev).into() {
                        input.select();
                    }
                }/>
            </label>
            <button type="button" class="button" on:click=copy>
                {move || if copied.get() { "Copied" } else { "Copy" }}
            </button>
        </div>
    }
}
