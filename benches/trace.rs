//! Formatting a typical log event with the redacting formatters beside
//! `tracing-subscriber`'s default ones, in the same run.
//!
//! Run: `cargo bench --features tracing --bench trace`. Group `text` holds
//! `redacting` (the default event format with `RedactingFields`) and
//! `plain` (the same format with the default fields); group `json` holds
//! `redacting` (`RedactingJson`) and `plain` (`tracing-subscriber`'s own
//! JSON format, with span lists). Each iteration emits one event inside a
//! span: a message with an e-mail address and three fields, written to
//! `io::sink`. Their ratio is the cost of keeping PII out of the log.

use std::hint::black_box;
use std::io;

use criterion::{Criterion, criterion_group, criterion_main};
use custodian::redact::Redactor;
use custodian::trace::{RedactingFields, RedactingJson};
use tracing::Dispatch;

fn event() {
    tracing::info!(
        order = black_box(17_u64),
        sku = "SKU-4411-B",
        express = true,
        "refund requested by ada@example.com for order 17"
    );
}

fn run(c: &mut Criterion, group: &str, redacting: Dispatch, plain: Dispatch) {
    let mut g = c.benchmark_group(group);
    for (name, dispatch) in [("redacting", redacting), ("plain", plain)] {
        tracing::dispatcher::with_default(&dispatch, || {
            let span = tracing::info_span!("checkout", customer = "cus_ada");
            let _entered = span.enter();
            g.bench_function(name, |b| b.iter(event));
        });
    }
    g.finish();
}

fn redactor() -> Redactor {
    Redactor::builder().build().expect("masking needs no key")
}

fn formatters(c: &mut Criterion) {
    let text = tracing_subscriber::fmt()
        .with_writer(io::sink)
        .fmt_fields(RedactingFields::new(redactor()))
        .finish();
    let plain = tracing_subscriber::fmt().with_writer(io::sink).finish();
    run(c, "text", Dispatch::new(text), Dispatch::new(plain));
    let json = tracing_subscriber::fmt()
        .with_writer(io::sink)
        .fmt_fields(RedactingFields::new(redactor()))
        .event_format(RedactingJson::new(redactor()))
        .finish();
    let plain = tracing_subscriber::fmt()
        .with_writer(io::sink)
        .json()
        .with_span_list(true)
        .finish();
    run(c, "json", Dispatch::new(json), Dispatch::new(plain));
}

criterion_group!(benches, formatters);
criterion_main!(benches);
