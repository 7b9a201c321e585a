//! The audit log: who changed what, filterable by person and kind.

use leptos::prelude::*;
use policy::Id;

use policy::api::AuditEntry;

use crate::api;
use crate::components::more::{More, ShowMore};
use crate::components::notice::{Empty, ErrorNote, Loading};
use crate::workspace::use_ws;

/// A unix time in the reader's locale.
pub fn when(at: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64 * 1000.0));
    String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}

fn compact(v: &serde_json::value::RawValue) -> String {
    match v.get() {
        "null" => "—".into(),
        text => text.to_owned(),
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let ctx = use_ws();
    let actor = RwSignal::new(None::<Id>);
    let kind = RwSignal::new(String::new());
    let more = More::<AuditEntry>::new();
    let entries = LocalResource::new(move || {
        let ws = ctx.id.get();
        let (a, k) = (actor.get(), kind.get());
        let _ = ctx.version.get();
        more.reset();
        async move { api::audit(ws, a, &k, None).await }
    });
    let on_more = Callback::new(move |cursor: String| {
        let (ws, a, k) = (ctx.id.get_untracked(), actor.get_untracked(), kind.get_untracked());
        leptos::task::spawn_local(async move {
            if let Ok(page) = api::audit(ws, a, &k, Some(&cursor)).await {
                more.push(page.entries, page.next, None);
            }
        });
    });
    move || {
        let loaded = ctx.loaded()?;
        if let Some(why) = loaded.abilities().audit.message() {
            return Some(view! { <section class="page"><p class="notice error" role="alert">{why.to_owned()}</p></section> }.into_any());
        }
        // The people who made the changes loaded so far.
        let mut people: Vec<(Id, String)> = Vec::new();
        if let Some(Ok(page)) = entries.get() {
            for e in page.entries.iter().chain(more.rows.get().iter()) {
                if !people.iter().any(|p| p.0 == e.actor) {
                    people.push((e.actor, e.actor_name.clone()));
                }
            }
        }
        Some(view! {
            <section class="page" aria-labelledby="audit-title">
                <h2 id="audit-title">"Audit log"</h2>
                <div class="toolbar filters">
                    <label>
                        "Person"
                        <select on:change=move |ev| actor.set(event_target_value(&ev).parse().ok())>
                            <option value="">"Everyone"</option>
                            {people.into_iter().map(|(id, name)| view! { <option value=id.to_string() selected=actor.get_untracked() == Some(id)>{name}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>
                        "Kind"
                        <select on:change=move |ev| kind.set(event_target_value(&ev))>
                            <option value="">"All changes"</option>
                            <option value="member">"Members"</option>
                            <option value="invitation">"Invitations"</option>
                            <option value="request">"Access requests"</option>
                            <option value="toggles">"Permissions"</option>
                            <option value="group">"Groups"</option>
                            <option value="resource">"Resources"</option>
                            <option value="workspace">"Workspace"</option>
                            <option value="grant">"Partner grants"</option>
                            <option value="analyst">"Partner analysts"</option>
                            <option value="ownership">"Ownership"</option>
                            <option value="flow">"Flow runs"</option>
                        </select>
                    </label>
                </div>
                {move || match entries.get() {
                    None => view! { <Loading what="the audit log"/> }.into_any(),
                    Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
                    Some(Ok(page)) if page.entries.is_empty() => view! { <Empty text="No changes match these filters."/> }.into_any(),
                    Some(Ok(page)) => {
                        let (list, next) = more.all(&page.entries, page.next.clone());
                        view! {
                        <table class="table">
                            <caption class="visually-hidden">"Changes, newest first"</caption>
                            <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Subject"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|e| view! {
                                    <tr>
                                        <td>{when(e.at)}</td>
                                        <td>{e.actor_name.clone()}</td>
                                        <td><code>{e.kind.key()}</code></td>
                                        <td>{e.subject.clone()}</td>
                                        <td><code class="json">{compact(&e.before)}</code></td>
                                        <td><code class="json">{compact(&e.after)}</code></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <ShowMore next on_more/>
                    }.into_any()
                    }
                }}
            </section>
        }.into_any())
    }
}
