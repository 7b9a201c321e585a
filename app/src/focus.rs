//! The focus and caret kept across re-renders (live access, SPEC 13).
//!
//! When revalidated facts rebuild the part of a page that held the focus
//! (a dialog, a form), the same field is focused again with its caret where
//! it was: every focus and caret move is remembered, and after the page
//! changed, a focused element that went with it is found again by its id,
//! or by its place under `<body>` if it is the same kind of control with
//! the same label.

use std::cell::{Cell, RefCell};

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Where the focus was: the element's id, or its path from `<body>`
/// (child indexes), and the caret of a text field.
#[derive(Default)]
struct FocusSpot {
    id: String,
    path: Vec<u32>,
    /// What the element is (tag, type, label, text): a replacement must match.
    what: String,
    caret: Option<(u32, u32)>,
}

/// What an element is, as a person would tell: its kind and its label.
fn what(el: &web_sys::Element) -> String {
    let attr = |a: &str| el.get_attribute(a).unwrap_or_default();
    let label =
        el.closest("label").ok().flatten().and_then(|l| l.text_content()).unwrap_or_default();
    let text = if el.tag_name() == "BUTTON" {
        el.text_content().unwrap_or_default()
    } else {
        String::new()
    };
    format!(
        "{}|{}|{}|{}|{}",
        el.tag_name(),
        attr("type"),
        attr("aria-label"),
        label.trim(),
        text.trim()
    )
}

thread_local! {
    static FOCUS: RefCell<Option<(web_sys::Element, FocusSpot)>> = const { RefCell::new(None) };
    /// A restore is scheduled.
    static RESTORING: Cell<bool> = const { Cell::new(false) };
}

/// Remembers every focus and caret move, so that when revalidated facts
/// rebuild the part of a page that held the focus (a dialog, a form), the
/// same field is focused again with its caret where it was.
pub fn track() {
    let record = Closure::<dyn FnMut(web_sys::Event)>::new(|_| {
        let Some(el) =
            web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element())
        else {
            return;
        };
        // The focused element was taken out by a re-render (not left by the
        // user): keep where it was, to put it back.
        let removed =
            FOCUS.with(|f| f.borrow().as_ref().is_some_and(|(old, _)| !old.is_connected()));
        if removed && el.tag_name() == "BODY" {
            return;
        }
        let mut spot = FocusSpot { id: el.id(), what: what(&el), ..FocusSpot::default() };
        let mut node = el.clone();
        while let Some(parent) = node.parent_element() {
            let index = (0..parent.children().length())
                .find(|&i| parent.children().item(i).as_ref() == Some(&node));
            spot.path.push(index.unwrap_or(0));
            if parent.tag_name() == "BODY" {
                break;
            }
            node = parent;
        }
        spot.path.reverse();
        if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
            spot.caret =
                input.selection_start().ok().flatten().zip(input.selection_end().ok().flatten());
        }
        FOCUS.with(|f| *f.borrow_mut() = Some((el, spot)));
    });
    let Some(d) = web_sys::window().and_then(|w| w.document()) else { return };
    for kind in ["focusin", "input", "keyup", "mouseup", "selectionchange"] {
        drop(d.add_event_listener_with_callback(kind, record.as_ref().unchecked_ref()));
    }
    record.forget();
    // Whenever the page changes, put the focus back if it went with it:
    // once the re-render's effects ran (a field's value is set after it is
    // inserted, which would move the caret to the end).
    let changed = Closure::<dyn FnMut(JsValue)>::new(|_| {
        if !RESTORING.with(|r| r.replace(true)) {
            gloo_timers::callback::Timeout::new(0, || {
                RESTORING.with(|r| r.set(false));
                restore();
            })
            .forget();
        }
    });
    if let (Ok(observer), Some(body)) =
        (web_sys::MutationObserver::new(changed.as_ref().unchecked_ref()), d.body())
    {
        let options = web_sys::MutationObserverInit::new();
        options.set_child_list(true);
        options.set_subtree(true);
        drop(observer.observe_with_options(&body, &options));
    }
    changed.forget();
}

/// After a re-render: if the focused element was replaced, focus its
/// replacement (same id, or same place) and put the caret back.
fn restore() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Some((old, spot)) = FOCUS.with(|f| f.borrow_mut().take()) else { return };
    if old.is_connected() || doc.active_element().is_some_and(|a| a.tag_name() != "BODY") {
        FOCUS.with(|f| *f.borrow_mut() = Some((old, spot)));
        return;
    }
    let found = if spot.id.is_empty() {
        spot.path
            .iter()
            .try_fold(doc.body().map(web_sys::Element::from), |node, &i| {
                Some(node.and_then(|n| n.children().item(i)))
            })
            .flatten()
    } else {
        doc.get_element_by_id(&spot.id)
    };
    let Some(el) = found
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|el| what(el) == spot.what)
    else {
        // Not (yet) there: a later change may bring it back.
        FOCUS.with(|f| *f.borrow_mut() = Some((old, spot)));
        return;
    };
    drop(el.focus());
    if let (Some(input), Some((start, end))) =
        (el.dyn_ref::<web_sys::HtmlInputElement>(), spot.caret)
    {
        drop(input.set_selection_range(start, end));
    }
    FOCUS.with(|f| *f.borrow_mut() = Some((el.into(), spot)));
}
