//! A modal dialog: labelled by its title, focused when it opens, Tab kept
//! inside it, closed by Escape, the close button or a click outside; focus
//! goes back to what opened it.

use std::cell::Cell;

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::keep::kept;

/// An open dialog: what opened it gets the focus back when it closes.
struct Opened {
    opener: Option<web_sys::HtmlElement>,
    focused: Cell<bool>,
}

impl Drop for Opened {
    fn drop(&mut self) {
        if let Some(el) = &self.opener {
            drop(el.focus());
        }
    }
}

#[component]
pub fn Modal(
    #[prop(into)] title: String,
    #[prop(into)] on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let panel = NodeRef::<Div>::new();
    // Kept across re-renders (the facts behind the dialog were revalidated):
    // focus moves only when the dialog really opens and closes.
    let opened = kept(format!("modal:{title}"), || Opened {
        opener: web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
        focused: Cell::new(false),
    });
    Effect::new(move |_| {
        if let Some(el) = panel.get()
            && !opened.focused.replace(true)
        {
            // Focus the first field if there is one, else the dialog itself.
            let first = el.query_selector("input, select, textarea").ok().flatten();
            match first.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
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
                    } else if ev.key() == "Tab" {
                        keep_tab_inside(&panel, &ev);
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

/// Tab from the last control goes to the first, Shift+Tab from the first to
/// the last: keyboard focus stays in the open dialog.
fn keep_tab_inside(panel: &NodeRef<Div>, ev: &web_sys::KeyboardEvent) {
    let Some(panel) = panel.get_untracked() else { return };
    let Ok(list) = panel.query_selector_all(
        "button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea, a[href]",
    ) else {
        return;
    };
    let items: Vec<web_sys::HtmlElement> =
        (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect();
    let (Some(first), Some(last)) = (items.first(), items.last()) else { return };
    let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
    let at = |el: &web_sys::HtmlElement| {
        active.as_ref().is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
    };
    if ev.shift_key() && at(first) {
        ev.prevent_default();
        drop(last.focus());
    } else if !ev.shift_key() && at(last) {
        ev.prevent_default();
        drop(first.focus());
    }
}
