//! The generated impls: `Personal` (subject and data map), the record's
//! `PersonalField`, `Serialize` and `Deserialize`.
//!
//! Everything is emitted inside `const _: () = { ... };`, with the
//! custodian crate in scope as `__custodian_krate`, so that no helper name
//! leaks into the host's module.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, LitStr};

use crate::attrs::{Default, Field, Record};

pub(crate) fn expand(record: &Record) -> TokenStream {
    let krate = &record.krate;
    let labels = record.fields.iter().filter_map(label_const);
    let personal = personal(record);
    let field = personal_field(record);
    let serialize = serialize(record);
    let deserialize = deserialize(record);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, non_camel_case_types, unused_qualifications)]
        const _: () = {
            use #krate as __custodian_krate;
            use __custodian_krate::__private::record::{PlainField as _, SealedField as _, Settle as _};
            use __custodian_krate::__private::serde as __serde;

            #(#labels)*
            #personal
            #field
            #serialize
            #deserialize
        };
    }
}

fn label_ident(field: &Field) -> Ident {
    format_ident!("__LABEL_{}", field.rust_name)
}

fn label_const(field: &Field) -> Option<TokenStream> {
    let label = field.label.as_ref()?;
    let ident = label_ident(field);
    Some(quote! {
        const #ident: __custodian_krate::vault::FieldLabel =
            __custodian_krate::vault::FieldLabel::new(#label);
    })
}

/// `Some(LABEL)` or `None`, for the field's plumbing calls.
fn label_arg(field: &Field) -> TokenStream {
    if field.label.is_some() {
        let ident = label_ident(field);
        quote!(::core::option::Option::Some(#ident))
    } else {
        quote!(::core::option::Option::None)
    }
}

/// The field's [`Probe`]; spanned at its type, so that a type error
/// (a category on a sealed field) points there.
fn probe(field: &Field) -> TokenStream {
    let ty = &field.ty;
    quote_spanned!(ty.span()=> (&__custodian_krate::__private::record::Probe::<#ty>::new()))
}

fn personal(record: &Record) -> TokenStream {
    let ident = &record.ident;
    let subject = &record.subject.member;
    let subject_id = quote_spanned! {record.subject.ty.span()=>
        __custodian_krate::seal::SubjectKey::to_subject_id(&self.#subject)
    };
    let entries = record.fields.iter().map(|field| {
        let member = &field.member;
        let rust_name = &field.rust_name;
        let probe = probe(field);
        let at = quote!(__at.field(#rust_name));
        match &field.category {
            Some(category) => {
                let check = quote_spanned!(field.ty.span()=> #probe.plain_only(););
                quote! {
                    #check
                    __map.push_plain(#at, &__subject, #category);
                }
            }
            None => {
                let label = label_arg(field);
                quote! {
                    #probe.map_field(
                        &self.#member,
                        __map,
                        __custodian_krate::__private::record::Place { at: &#at, subject: &__subject, label: #label },
                    )?;
                }
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl __custodian_krate::seal::Personal for #ident {
            fn subject(&self) -> ::core::result::Result<__custodian_krate::SubjectId, __custodian_krate::VaultError> {
                #subject_id
            }

            fn map_into(
                &self,
                __map: &mut __custodian_krate::seal::DataMap,
                __at: &__custodian_krate::seal::FieldPath,
            ) -> ::core::result::Result<(), __custodian_krate::VaultError> {
                let __subject = __custodian_krate::seal::Personal::subject(self)?;
                #(#entries)*
                ::core::result::Result::Ok(())
            }
        }
    }
}

/// A record inside another is a field that opens itself (under its own
/// subject) and lists its own data.
fn personal_field(record: &Record) -> TokenStream {
    let ident = &record.ident;
    quote! {
        #[automatically_derived]
        impl __custodian_krate::__private::record::PersonalField for #ident {
            type Unopened = Self;

            const LEAF: ::core::option::Option<__custodian_krate::__private::record::Leaf> =
                ::core::option::Option::None;

            fn open<__E: __serde::de::Error>(
                unopened: Self,
                _label: ::core::option::Option<__custodian_krate::vault::FieldLabel>,
            ) -> ::core::result::Result<Self, __E> {
                ::core::result::Result::Ok(unopened)
            }

            fn map_into(
                &self,
                map: &mut __custodian_krate::seal::DataMap,
                place: __custodian_krate::__private::record::Place<'_>,
            ) -> ::core::result::Result<(), __custodian_krate::VaultError> {
                __custodian_krate::seal::Personal::map_into(self, map, place.at)
            }
        }
    }
}

/// The fields in the order they are written: the subject first (so that a
/// reader streaming the input knows it before any PII value), then the
/// others in declaration order, skipped ones left out.
fn written(record: &Record) -> impl Iterator<Item = &Field> {
    std::iter::once(&record.subject).chain(record.fields.iter().filter(|f| !f.skip))
}

fn serialize(record: &Record) -> TokenStream {
    let ident = &record.ident;
    let name = &record.name;
    let subject = &record.subject.member;
    let count = written(record).count();
    let skipped_if = written(record).filter_map(|field| {
        let test = field.skip_serializing_if.as_ref()?;
        let member = &field.member;
        Some(quote!(- (#test(&self.#member) as usize)))
    });
    let writes = written(record).map(|field| {
        let member = &field.member;
        let key = &field.name;
        let value = match &field.label {
            Some(_) => {
                let label = label_ident(field);
                quote_spanned!(field.ty.span()=> &__custodian_krate::__private::record::labeled(&self.#member, #label))
            }
            None => quote!(&self.#member),
        };
        let write =
            quote!(__serde::ser::SerializeStruct::serialize_field(&mut __state, #key, #value)?;);
        match &field.skip_serializing_if {
            Some(test) => quote! {
                if #test(&self.#member) {
                    __serde::ser::SerializeStruct::skip_field(&mut __state, #key)?;
                } else {
                    #write
                }
            },
            None => write,
        }
    });
    quote! {
        #[automatically_derived]
        impl __serde::Serialize for #ident {
            fn serialize<__S: __serde::Serializer>(
                &self,
                __serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                // Every PII value below seals under this record's subject
                // until `__writing` is dropped, whatever scope is around.
                let __writing = __custodian_krate::__private::record::write::<_, __S::Error>(&self.#subject)?;
                let __len = #count #(#skipped_if)*;
                let mut __state = __serializer.serialize_struct(#name, __len)?;
                #(#writes)*
                __serde::ser::SerializeStruct::end(__state)
            }
        }
    }
}

fn variant(index: usize) -> Ident {
    format_ident!("__field{}", index)
}

fn deserialize(record: &Record) -> TokenStream {
    let ident = &record.ident;
    let name = &record.name;
    let expecting = format!("struct {}", record.name);
    let fields: Vec<&Field> = written(record).collect();
    let names: Vec<&String> = fields.iter().map(|f| &f.name).collect();
    let identifier = identifier(record, &fields);
    let from_seq = from_seq(record, &fields);
    let from_map = from_map(record, &fields);
    quote! {
        #[automatically_derived]
        impl<'de> __serde::Deserialize<'de> for #ident {
            fn deserialize<__D: __serde::Deserializer<'de>>(
                __deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                const __FIELDS: &[&str] = &[#(#names),*];
                #identifier

                struct __Visitor;

                impl<'de> __serde::de::Visitor<'de> for __Visitor {
                    type Value = #ident;

                    fn expecting(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        __f.write_str(#expecting)
                    }

                    #from_seq
                    #from_map
                }

                __deserializer.deserialize_struct(#name, __FIELDS, __Visitor)
            }
        }
    }
}

/// The field-name enum and its visitor (names, aliases, and positions for
/// formats that identify fields by index).
fn identifier(record: &Record, fields: &[&Field]) -> TokenStream {
    let variants: Vec<Ident> = (0..fields.len()).map(variant).collect();
    let by_index = variants.iter().enumerate().map(|(i, v)| {
        let i = i as u64;
        quote!(#i => ::core::result::Result::Ok(__Field::#v),)
    });
    let by_name = fields.iter().zip(&variants).map(|(field, v)| {
        let names = std::iter::once(&field.name).chain(&field.aliases);
        quote!(#(#names)|* => ::core::result::Result::Ok(__Field::#v),)
    });
    let by_bytes = fields.iter().zip(&variants).map(|(field, v)| {
        let names = std::iter::once(&field.name)
            .chain(&field.aliases)
            .map(|n| syn::LitByteStr::new(n.as_bytes(), Span::call_site()));
        quote!(#(#names)|* => ::core::result::Result::Ok(__Field::#v),)
    });
    let (ignore_variant, unknown_str, unknown_bytes, unknown_index) = if record.deny_unknown_fields
    {
        (
            quote!(),
            quote!(::core::result::Result::Err(
                __serde::de::Error::unknown_field(__value, __FIELDS)
            )),
            quote!(::core::result::Result::Err(
                __serde::de::Error::unknown_field(
                    &__custodian_krate::__private::record::lossy(__value),
                    __FIELDS,
                )
            )),
            quote!(::core::result::Result::Err(
                __serde::de::Error::invalid_value(
                    __serde::de::Unexpected::Unsigned(__value),
                    &"a field index",
                )
            )),
        )
    } else {
        let ignore = quote!(::core::result::Result::Ok(__Field::__ignore));
        (quote!(__ignore,), ignore.clone(), ignore.clone(), ignore)
    };
    quote! {
        enum __Field { #(#variants,)* #ignore_variant }

        struct __FieldVisitor;

        impl<'de> __serde::de::Visitor<'de> for __FieldVisitor {
            type Value = __Field;

            fn expecting(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                __f.write_str("a field identifier")
            }

            fn visit_u64<__E: __serde::de::Error>(self, __value: u64) -> ::core::result::Result<__Field, __E> {
                match __value {
                    #(#by_index)*
                    _ => #unknown_index,
                }
            }

            fn visit_str<__E: __serde::de::Error>(self, __value: &str) -> ::core::result::Result<__Field, __E> {
                match __value {
                    #(#by_name)*
                    _ => #unknown_str,
                }
            }

            fn visit_bytes<__E: __serde::de::Error>(self, __value: &[u8]) -> ::core::result::Result<__Field, __E> {
                match __value {
                    #(#by_bytes)*
                    _ => #unknown_bytes,
                }
            }
        }

        impl<'de> __serde::Deserialize<'de> for __Field {
            fn deserialize<__D: __serde::Deserializer<'de>>(
                __deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                __deserializer.deserialize_identifier(__FieldVisitor)
            }
        }
    }
}

fn slot(index: usize) -> Ident {
    format_ident!("__slot{}", index)
}

/// The value of a field that was not in the input: its default, or what
/// its type makes of a missing field (`None` for an `Option`, else serde's
/// "missing field" error).
fn missing(field: &Field) -> TokenStream {
    match &field.default {
        Some(Default::Trait) => quote!(::core::default::Default::default()),
        Some(Default::Function(path)) => quote!(#path()),
        None => {
            let probe = probe(field);
            let key = &field.name;
            let label = label_arg(field);
            quote! {
                __serde::de::DeserializeSeed::deserialize(
                    #probe.seed(),
                    __custodian_krate::__private::record::Missing::<__A::Error>::new(#key),
                )?
                .settle::<__A::Error>(#label)?
            }
        }
    }
}

/// The struct built from the read fields: pending PII fields are opened
/// here, after the subject is known; skipped fields take their default.
fn build(record: &Record, fields: &[&Field]) -> TokenStream {
    let ident = &record.ident;
    let subject = &record.subject.member;
    let read = fields.iter().enumerate().skip(1).map(|(i, field)| {
        let member = &field.member;
        let ty = &field.ty;
        let slot = slot(i);
        let label = label_arg(field);
        let missing = missing(field);
        quote! {
            let #member: #ty = match #slot {
                ::core::option::Option::Some(__read) => __read.settle::<__A::Error>(#label)?,
                ::core::option::Option::None => #missing,
            };
        }
    });
    let skipped = record.fields.iter().filter(|f| f.skip).map(|field| {
        let member = &field.member;
        let value = match &field.default {
            Some(Default::Function(path)) => quote!(#path()),
            _ => quote!(::core::default::Default::default()),
        };
        quote!(let #member = #value;)
    });
    let members =
        std::iter::once(&record.subject.member).chain(record.fields.iter().map(|f| &f.member));
    let subject_slot = slot(0);
    quote! {
        let #subject = #subject_slot;
        #(#read)*
        #(#skipped)*
        // Opened under the subject's frame, which `__reading` still holds.
        drop(__reading);
        ::core::result::Result::Ok(#ident { #(#members),* })
    }
}

fn from_seq(record: &Record, fields: &[&Field]) -> TokenStream {
    let subject_ty = &record.subject.ty;
    let subject_slot = slot(0);
    let count = fields.len();
    let expected = LitStr::new(
        &format!("struct {} with {} elements", record.name, count),
        Span::call_site(),
    );
    let reads = fields.iter().enumerate().skip(1).map(|(i, field)| {
        let slot = slot(i);
        let probe = probe(field);
        quote!(let #slot = __seq.next_element_seed(#probe.seed())?;)
    });
    let build = build(record, fields);
    quote! {
        fn visit_seq<__A: __serde::de::SeqAccess<'de>>(
            self,
            mut __seq: __A,
        ) -> ::core::result::Result<Self::Value, __A::Error> {
            let mut __reading = __custodian_krate::__private::record::Reading::start::<__A::Error>()?;
            let #subject_slot: #subject_ty = match __seq.next_element()? {
                ::core::option::Option::Some(__value) => __value,
                ::core::option::Option::None => {
                    return ::core::result::Result::Err(__serde::de::Error::invalid_length(0, &#expected));
                }
            };
            __reading.subject::<_, __A::Error>(&#subject_slot)?;
            #(#reads)*
            #build
        }
    }
}

fn from_map(record: &Record, fields: &[&Field]) -> TokenStream {
    let subject_ty = &record.subject.ty;
    let subject_name = &record.subject.name;
    let subject_slot = slot(0);
    let slots = (1..fields.len()).map(slot);
    let arms = fields.iter().enumerate().skip(1).map(|(i, field)| {
        let variant = variant(i);
        let slot = slot(i);
        let key = &field.name;
        let probe = probe(field);
        quote! {
            __Field::#variant => {
                if #slot.is_some() {
                    return ::core::result::Result::Err(__serde::de::Error::duplicate_field(#key));
                }
                #slot = ::core::option::Option::Some(__map.next_value_seed(#probe.seed())?);
            }
        }
    });
    let ignore = if record.deny_unknown_fields {
        quote!()
    } else {
        quote! {
            __Field::__ignore => {
                let _ = __map.next_value::<__serde::de::IgnoredAny>()?;
            }
        }
    };
    let subject_variant = variant(0);
    let build = build(record, fields);
    quote! {
        fn visit_map<__A: __serde::de::MapAccess<'de>>(
            self,
            mut __map: __A,
        ) -> ::core::result::Result<Self::Value, __A::Error> {
            let mut __reading = __custodian_krate::__private::record::Reading::start::<__A::Error>()?;
            let mut #subject_slot: ::core::option::Option<#subject_ty> = ::core::option::Option::None;
            #(let mut #slots = ::core::option::Option::None;)*
            while let ::core::option::Option::Some(__key) = __map.next_key::<__Field>()? {
                match __key {
                    __Field::#subject_variant => {
                        if #subject_slot.is_some() {
                            return ::core::result::Result::Err(__serde::de::Error::duplicate_field(#subject_name));
                        }
                        let __value: #subject_ty = __map.next_value()?;
                        // From here on, values read or opened are this
                        // subject's.
                        __reading.subject::<_, __A::Error>(&__value)?;
                        #subject_slot = ::core::option::Option::Some(__value);
                    }
                    #(#arms)*
                    #ignore
                }
            }
            let #subject_slot = match #subject_slot {
                ::core::option::Option::Some(__value) => __value,
                ::core::option::Option::None => {
                    return ::core::result::Result::Err(__serde::de::Error::missing_field(#subject_name));
                }
            };
            #build
        }
    }
}
