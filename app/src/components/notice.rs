//! Loading, error, success and empty states.

use leptos::prelude::*;

use crate::api::ApiError;

#[component]
pub fn Loading(#[prop(optional, into)] what: Option<String>) -> impl IntoView {
    view! {
        <p class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            {format!("Loading {}…", what.unwrap_or_else(|| "".into())).replace(" …", "…")}
        </p>
    }
}

/// A refused or failed request: the server's sentence.
#[component]
pub fn ErrorNote(error: ApiError) -> impl IntoView {
    view! { <p class="notice error" role="alert">{error.message}</p> }
}

/// The latest outcome of an action on the page: an error or a success line.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done(String),
    Failed(ApiError),
}

/// Shows the latest outcome, if any; announced to screen readers.
#[component]
pub fn OutcomeNote(outcome: RwSignal<Option<Outcome>>) -> impl IntoView {
    move || {
        outcome.get().map(|o| match o {
            Outcome::Done(text) => {
                view! { <p class="notice ok" role="status">{text}</p> }.into_any()
            }
            Outcome::Failed(e) => view! { <ErrorNote error=e/> }.into_any(),
        })
    }
}

#[component]
pub fn Empty(#[prop(into)] text: String) -> impl IntoView {
    view! { <p class="empty">{text}</p> }
}
