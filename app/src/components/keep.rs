//! State that outlives a re-render: a form's unsaved input, an open dialog.
//!
//! When a workspace's facts are revalidated (after one of your own changes,
//! or an event of the live stream, SPEC 13) its tabs are built again on the
//! new facts: the DOM is updated in place and the components run again.
//! What a component keeps here under a key, it finds again on that next run,
//! so typed text, a draft of toggles or an open dialog stay as they were
//! while the controls around them flip. An entry is dropped once no
//! component used its key for a moment (the form was really closed).

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use leptos::prelude::*;

struct Entry {
    value: Rc<dyn Any>,
    users: usize,
}

thread_local! {
    static KEPT: RefCell<HashMap<String, Entry>> = RefCell::new(HashMap::new());
}

/// The value kept under `key`, made by `init` the first time; held while
/// the calling component (or its next run) lives.
pub fn kept<T: 'static>(key: impl Into<String>, init: impl FnOnce() -> T) -> Rc<T> {
    let key = key.into();
    let value = KEPT.with(|k| {
        let mut k = k.borrow_mut();
        let entry = k.entry(key.clone()).or_insert_with(|| Entry { value: Rc::new(()), users: 0 });
        let value = match entry.value.clone().downcast::<T>() {
            Ok(v) => v,
            Err(_) => {
                let v = Rc::new(init());
                entry.value = v.clone();
                v
            }
        };
        entry.users += 1;
        value
    });
    on_cleanup(move || release(key));
    value
}

/// A signal kept under `key` (see [`kept`]): a form field's value.
pub fn draft<T: Send + Sync + 'static>(
    key: impl Into<String>,
    init: impl FnOnce() -> T,
) -> RwSignal<T> {
    let signal = kept(key, || ArcRwSignal::new(init()));
    RwSignal::from((*signal).clone())
}

/// One user of `key` is gone; if nobody took it up again by the next
/// task (a re-render does so at once), the entry goes.
fn release(key: String) {
    let idle = KEPT.with(|k| {
        let mut k = k.borrow_mut();
        k.get_mut(&key).is_some_and(|e| {
            e.users = e.users.saturating_sub(1);
            e.users == 0
        })
    });
    if idle {
        gloo_timers::callback::Timeout::new(0, move || {
            // Taken out first: dropping the value may run code (a dialog
            // gives focus back) that keeps something else.
            let gone = KEPT.with(|k| {
                let mut k = k.borrow_mut();
                if k.get(&key).is_some_and(|e| e.users == 0) { k.remove(&key) } else { None }
            });
            drop(gone);
        })
        .forget();
    }
}
