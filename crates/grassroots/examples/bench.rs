//! `cargo run --release -p bianzhi-grassroots --example bench [items]`:
//! builds the synthetic district and prints the indexed and naive
//! `responsible` figures as JSON.

use bianzhi_grassroots::bench::{run, Params};

fn main() {
    let mut params = Params::district();
    if let Some(n) = std::env::args().nth(1).and_then(|a| a.parse().ok()) {
        params.items = n;
    }
    let report = run(params, 200_000, 2_000);
    println!(
        "{}",
        serde_json::to_string_pretty(&report).expect("a report serialises")
    );
}
