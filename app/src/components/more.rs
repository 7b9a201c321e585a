//! Paged lists: the rows of the pages loaded after the first one, and the
//! "Show more" button that loads the next.

use leptos::prelude::*;

/// The pages after the first: their rows, their slices (added to the
/// facts the rows are decided on) and where the list continues (`None`
/// until a further page was loaded: then the first page's cursor applies).
#[derive(Debug)]
pub struct More<T: Send + Sync + 'static> {
    pub rows: RwSignal<Vec<T>>,
    pub slices: RwSignal<Vec<policy::Snapshot>>,
    pub next: RwSignal<Option<Option<String>>>,
}

impl<T: Send + Sync + 'static> Clone for More<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for More<T> {}

impl<T: Clone + Send + Sync + 'static> More<T> {
    pub fn new() -> Self {
        More {
            rows: RwSignal::new(Vec::new()),
            slices: RwSignal::new(Vec::new()),
            next: RwSignal::new(None),
        }
    }

    /// Back to the first page only (the list is read again).
    pub fn reset(&self) {
        self.rows.set(Vec::new());
        self.slices.set(Vec::new());
        self.next.set(None);
    }

    /// The first page's rows followed by the further ones, and the cursor
    /// of the page after the last one loaded.
    pub fn all(&self, first: &[T], first_next: Option<String>) -> (Vec<T>, Option<String>) {
        let mut rows = first.to_vec();
        rows.extend(self.rows.get());
        (rows, self.next.get().unwrap_or(first_next))
    }

    /// Appends a further page (and its slice, if it has one).
    pub fn push(&self, rows: Vec<T>, next: Option<String>, slice: Option<policy::Snapshot>) {
        self.rows.update(|r| r.extend(rows));
        if let Some(s) = slice {
            self.slices.update(|all| all.push(s));
        }
        self.next.set(Some(next));
    }
}

/// "Show more", when the list continues.
#[component]
pub fn ShowMore(next: Option<String>, on_more: Callback<String>) -> impl IntoView {
    next.map(|cursor| {
        view! {
            <p class="more">
                <button type="button" class="button quiet" on:click=move |_| on_more.run(cursor.clone())>
                    "Show more"
                </button>
            </p>
        }
    })
}
