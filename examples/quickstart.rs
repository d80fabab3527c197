//! Builds a customer from raw sign-up input, prints it (masked), and shows
//! how bad input is refused with a typed error that does not echo it.
//!
//! Run: `cargo run --example quickstart`.

use custodian::pii::{
    CallingCode, CardNumber, DateOfBirth, Email, Iban, PersonName, Phone, PiiError, PiiKind,
    PostalAddress, Reason,
};

/// A customer record as a marketplace's sign-up and checkout would build it.
#[derive(Debug)]
struct Customer {
    name: PersonName,
    email: Email,
    phone: Phone,
    born: DateOfBirth,
    delivery: PostalAddress,
    card: CardNumber,
    refunds_to: Iban,
}

/// Parses raw form input; any invalid field stops the sign-up.
fn sign_up() -> Result<Customer, PiiError> {
    Ok(Customer {
        name: PersonName::parse("  Ada   Lovelace ")?,
        email: Email::parse("Ada.Lovelace@Example.COM")?,
        phone: Phone::parse_national("030 1234 5678", CallingCode::new(49)?)?,
        born: DateOfBirth::parse("1990-12-10")?,
        delivery: PostalAddress::builder()
            .line("Unter den Linden 77")
            .postal_code("10117")
            .locality("Berlin")
            .country("DE")
            .build()?,
        card: CardNumber::parse("4242 4242 4242 4242")?,
        refunds_to: Iban::parse("de89 3704 0044 0532 0130 00")?,
    })
}

fn main() -> Result<(), PiiError> {
    let customer = sign_up()?;

    // Debug output is masked: safe for logs and support tools.
    let shown = format!("{customer:#?}");
    println!("{shown}");
    for secret in [
        "Lovelace",
        "Ada.Lovelace",
        "12345678",
        "4242424242424242",
        "370400440532013000",
        "12-10",
    ] {
        assert!(!shown.contains(secret), "masked output leaked {secret}");
    }
    assert!(shown.contains("Visa •••• 4242"));

    // The plaintext is one explicit call away, for the code that needs it.
    assert_eq!(customer.email.expose(), "Ada.Lovelace@example.com");
    assert_eq!(customer.phone.expose(), "+493012345678");
    assert_eq!(customer.name.expose(), "Ada Lovelace");
    assert_eq!(customer.born.year(), 1990);
    assert_eq!(customer.delivery.country().as_str(), "DE");
    assert_eq!(customer.card.last4(), "4242");
    assert_eq!(customer.refunds_to.country(), "DE");

    // Bad input is refused, and the error does not repeat it.
    let typo = "4242 4242 4242 4241";
    let error = CardNumber::parse(typo).expect_err("fails the Luhn check");
    println!("refused: {error}");
    assert_eq!(error.kind(), PiiKind::CardNumber);
    assert_eq!(error.reason(), Reason::ChecksumMismatch);
    assert!(!error.to_string().contains("4241"));
    Ok(())
}
