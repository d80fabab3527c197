//! Masked formatting of every PII kind, beside formatting the same plaintext
//! as a plain `&str` in the same run.
//!
//! Run: `cargo bench --bench mask`. Each group holds `masked` (the PII
//! value's `Display`) and `plain` (`Display` of its exposed string); their
//! ratio is the cost of masking.
//!
//! Group `phone_parse` holds the cost of validating phones against their
//! numbering plans: `plan` is `Phone::parse_in` over numbers of several
//! regions, `shape` the shape-only check the crate used before (separators
//! stripped, `+` and 8 to 15 digits) over the same inputs.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use custodian::pii::{
    CardNumber, CountryCode, DateOfBirth, Email, Iban, IdScheme, IpAddress, NationalId, PersonName,
    Phone, PostalAddress,
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
    let id = NationalId::parse(IdScheme::Ssn, "US", "123-45-6789").expect("valid");
    bench_pair(c, "national_id", &id, id.expose());
}

/// Numbers as people type them, with the region they are typed in.
const PHONES: [(&str, &str); 8] = [
    ("+44 20 7946 0958", "GB"),
    ("030 1234 5678", "DE"),
    ("06 12 34 56 78", "FR"),
    ("(415) 555-2671", "US"),
    ("8 (912) 345-67-89", "RU"),
    ("06 4567 8901", "IT"),
    ("011 44 20 7946 0958", "US"),
    ("+55 21 2345 6789", "BR"),
];

/// The shape-only phone check the crate had before numbering plans: `+`,
/// separators dropped, 8 to 15 digits, no leading 0. The baseline for the
/// cost of real validation.
fn shape_only(input: &str) -> Option<String> {
    let rest = input.trim().strip_prefix('+').unwrap_or(input);
    let mut value = String::with_capacity(16);
    value.push('+');
    for c in rest.chars() {
        match c {
            '0'..='9' => value.push(c),
            ' ' | '-' | '.' | '/' | '(' | ')' => {}
            _ => return None,
        }
    }
    let digits = value.len() - 1;
    ((8..=15).contains(&digits) && !value[1..].starts_with('0')).then_some(value)
}

fn phone_parse(c: &mut Criterion) {
    let inputs: Vec<(&str, CountryCode)> = PHONES
        .iter()
        .map(|(n, r)| (*n, CountryCode::parse(r).expect("assigned")))
        .collect();
    // Compile each region's plan before measuring: that happens once per
    // process and region.
    for (number, region) in &inputs {
        Phone::parse_in(number, *region).expect("valid");
    }
    let mut group = c.benchmark_group("phone_parse");
    group.throughput(criterion::Throughput::Elements(inputs.len() as u64));
    group.bench_function("plan", |b| {
        b.iter(|| {
            for (number, region) in &inputs {
                black_box(Phone::parse_in(black_box(number), *region).is_ok());
            }
        })
    });
    group.bench_function("shape", |b| {
        b.iter(|| {
            for (number, _) in &inputs {
                black_box(shape_only(black_box(number)).is_some());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, masking, phone_parse);
criterion_main!(benches);
