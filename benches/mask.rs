//! Masked formatting of every PII kind, beside formatting the same plaintext
//! as a plain `&str` in the same run.
//!
//! Run: `cargo bench --bench mask`. Each group holds `masked` (the PII
//! value's `Display`) and `plain` (`Display` of its exposed string); their
//! ratio is the cost of masking.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use custodian::pii::{
    CardNumber, DateOfBirth, Email, Iban, IdScheme, IpAddress, NationalId, PersonName, Phone,
    PostalAddress,
};

/// Formats into a reused buffer, as a logger or template engine would.
fn bench_pair(c: &mut Criterion, name: &str, masked: &dyn std::fmt::Display, plain: &str) {
    let mut group = c.benchmark_group(name);
    let mut out = String::with_capacity(256);
    group.bench_function("masked", |b| {
        b.iter(|| {
            out.clear();
            write!(out, "{}", black_box(masked)).expect("writing to a String cannot fail");
            black_box(out.len())
        })
    });
    group.bench_function("plain", |b| {
        b.iter(|| {
            out.clear();
            write!(out, "{}", black_box(plain)).expect("writing to a String cannot fail");
            black_box(out.len())
        })
    });
    group.finish();
}

fn masking(c: &mut Criterion) {
    let email = Email::parse("ada.lovelace@example.com").expect("valid");
    bench_pair(c, "email", &email, email.expose());
    let phone = Phone::parse("+44 20 7946 0958").expect("valid");
    bench_pair(c, "phone", &phone, phone.expose());
    let card = CardNumber::parse("4242 4242 4242 4242").expect("valid");
    bench_pair(c, "card_number", &card, card.expose());
    let iban = Iban::parse("DE89 3704 0044 0532 0130 00").expect("valid");
    bench_pair(c, "iban", &iban, iban.expose());
    let name = PersonName::parse("Ada King Lovelace").expect("valid");
    bench_pair(c, "person_name", &name, name.expose());
    let address = PostalAddress::builder()
        .line("Unter den Linden 77")
        .postal_code("10117")
        .locality("Berlin")
        .country("DE")
        .build()
        .expect("valid");
    let plain_address = "Unter den Linden 77, 10117 Berlin, DE";
    bench_pair(c, "postal_address", &address, plain_address);
    let ip = IpAddress::parse("2001:db8:85a3::8a2e:370:7334").expect("valid");
    bench_pair(c, "ip_address", &ip, "2001:db8:85a3::8a2e:370:7334");
    let dob = DateOfBirth::parse("1990-02-28").expect("valid");
    bench_pair(c, "date_of_birth", &dob, "1990-02-28");
    let id = NationalId::parse(IdScheme::Ssn, "US", "078-05-1120").expect("valid");
    bench_pair(c, "national_id", &id, id.expose());
}

criterion_group!(benches, masking);
criterion_main!(benches);
