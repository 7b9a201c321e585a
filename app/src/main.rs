//! Gatehouse's admin single-page app. Every control's visibility and enabled
//! state comes from the `policy` crate evaluated on the facts the server
//! returns; the server re-checks everything.

// A binary: `pub` marks what other modules of the app use.
#![allow(unreachable_pub)]

mod api;
mod clock;
mod components;
mod focus;
mod labels;
mod live;
mod pages;
mod route;
mod session;
mod workspace;

fn main() {
    leptos::mount::mount_to_body(route::App);
}
