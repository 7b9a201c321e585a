//! A modal dialog: labelled by its title, focused when it opens, closed by
//! Escape, the close button or a click outside.

use leptos::html::Div;
use leptos::prelude::*;

#[component]
pub fn Modal(
    #[prop(into)] title: String,
    #[prop(into)] on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let panel = NodeRef::<Div>::new();
    Effect::new(move |_| {
        if let Some(el) = panel.get() {
            // Focus the first field if there is one, else the dialog itself.
            let first = el.query_selector("input, select, textarea").ok().flatten();
            match first.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
            {
                Some(input) => drop(input.focus()),
                None => drop(el.focus()),
            }
        }
    });
    let heading =
        format!("dialog-{}", title.to_lowercase().replace(|c: char| !c.is_alphanumeric(), "-"));
    let heading_ref = heading.clone();
    view! {
        <div class="backdrop" on:click=move |_| on_close.run(())>
            <div
                class="modal"
                role="dialog"
                aria-modal="true"
                aria-labelledby=heading_ref
                tabindex="-1"
                node_ref=panel
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        on_close.run(());
                    }
                }
            >
                <header class="modal-head">
                    <h2 id=heading>{title}</h2>
                    <button type="button" class="icon" aria-label="Close" on:click=move |_| on_close.run(())>
                        "×"
                    </button>
                </header>
                {children()}
            </div>
        </div>
    }
}
