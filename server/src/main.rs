//! Placeholder: the backend is built in its own issue.

fn main() {
    println!("gatehouse server: not built yet (see the backend issue)");
}
