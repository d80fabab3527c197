//! `#[derive(Personal)]` for [custodian](https://docs.rs/custodian): a host
//! struct that names its subject, so each of its records seals under that
//! subject's key, and that lists its personal data.
//!
//! Use it through `custodian` (feature `derive`, on by default), which
//! documents the rules under `custodian::seal`; this crate only writes the
//! code.

mod attrs;
mod case;
mod expand;

use proc_macro::TokenStream;

/// Derives `custodian::seal::Personal`, `serde::Serialize` and
/// `serde::Deserialize`: see `custodian::seal` ("Records") for the
/// attributes and what they do.
#[proc_macro_derive(Personal, attributes(personal, serde))]
pub fn derive_personal(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    attrs::Record::parse(&input)
        .map(|record| expand::expand(&record))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
