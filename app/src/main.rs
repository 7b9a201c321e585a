//! Placeholder: the single-page app is built in its own issue.

fn main() {}
