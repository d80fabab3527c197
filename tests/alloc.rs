//! Writing a masked value to a formatter allocates nothing.
//!
//! `allocation-counter` installs a counting global allocator that records
//! the allocations of the current thread; the test formats every kind into a
//! sink that itself never allocates. This is its own test binary because a
//! global allocator applies to the whole binary.

use std::fmt::{self, Write};

use custodian::pii::{
    CardNumber, Category, Credential, CredentialKind, Custom, CustomKind, DateOfBirth, Email, Iban,
    IdScheme, IpAddress, NationalId, PersonName, Phone, PostalAddress,
};

/// A formatter target that counts bytes and never allocates.
struct Sink(usize);

impl Write for Sink {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// Allocations this thread makes while `f` runs.
fn allocations_while(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

enum Ticket {}

impl CustomKind for Ticket {
    const NAME: &'static str = "ticket";
    const CATEGORY: Category = Category::Engagement;
}

#[test]
fn masked_display_and_debug_allocate_nothing() {
    let values: Vec<Box<dyn fmt::Debug>> = vec![
        Box::new(Email::parse("ada@example.com").expect("valid")),
        Box::new(Phone::parse("+44 20 7946 0958").expect("valid")),
        Box::new(CardNumber::parse("4242 4242 4242 4242").expect("valid")),
        Box::new(Iban::parse("DE89 3704 0044 0532 0130 00").expect("valid")),
        Box::new(PersonName::parse("Ada King Lovelace").expect("valid")),
        Box::new(
            PostalAddress::builder()
                .line("Unter den Linden 77")
                .locality("Berlin")
                .country("DE")
                .build()
                .expect("valid"),
        ),
        Box::new(IpAddress::parse("2001:db8::1").expect("valid")),
        Box::new(IpAddress::parse("192.0.2.1").expect("valid")),
        Box::new(DateOfBirth::parse("1990-02-28").expect("valid")),
        Box::new(NationalId::parse(IdScheme::Ssn, "US", "123-45-6789").expect("valid")),
        Box::new(Credential::new(CredentialKind::Password, "hunter22".into()).expect("valid")),
        Box::new(Custom::<Ticket>::parse("T-1").expect("valid")),
    ];
    for value in &values {
        let mut sink = Sink(0);
        let n = allocations_while(|| write!(sink, "{value:?}").expect("sink never fails"));
        assert_eq!(n, 0, "Debug of {value:?} allocated");
        assert!(sink.0 > 0);
    }
    let email = Email::parse("ada@example.com").expect("valid");
    let mut sink = Sink(0);
    let n = allocations_while(|| write!(sink, "{email} {email:>30}").expect("sink never fails"));
    assert_eq!(n, 0, "Display allocated");
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the test above against a counter that never counts.
    let n = allocations_while(|| drop(std::hint::black_box(String::from("x"))));
    assert!(n >= 1);
}
