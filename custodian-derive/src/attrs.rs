//! The struct as the derive sees it: its fields and the `#[personal(...)]`
//! and `#[serde(...)]` attributes it supports, checked.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Path, Type};

use crate::case::RenameRule;

/// The container attributes serde has that the derive supports.
const SERDE_CONTAINER: &str = "rename, rename_all, deny_unknown_fields";
/// The field attributes serde has that the derive supports.
const SERDE_FIELD: &str = "rename, alias, default, skip, skip_serializing_if";

/// The crate's built-in categories, by their stable names.
const CATEGORIES: [(&str, &str); 7] = [
    ("contact", "Contact"),
    ("identity", "Identity"),
    ("location", "Location"),
    ("financial", "Financial"),
    ("credential", "Credential"),
    ("transaction", "Transaction"),
    ("engagement", "Engagement"),
];

pub(crate) struct Record {
    pub(crate) ident: Ident,
    /// The path of the custodian crate (`::custodian` unless
    /// `#[personal(crate = "...")]`).
    pub(crate) krate: Path,
    /// The name serde formats see (`#[serde(rename)]`).
    pub(crate) name: String,
    pub(crate) deny_unknown_fields: bool,
    pub(crate) subject: Field,
    /// Every other field, in declaration order.
    pub(crate) fields: Vec<Field>,
}

pub(crate) struct Field {
    pub(crate) member: Ident,
    pub(crate) ty: Type,
    /// The Rust name, without `r#` (data map paths).
    pub(crate) rust_name: String,
    /// The serialized name.
    pub(crate) name: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) label: Option<LitStr>,
    /// The category of a plain field, as an expression.
    pub(crate) category: Option<TokenStream>,
    pub(crate) default: Option<Default>,
    pub(crate) skip: bool,
    pub(crate) skip_serializing_if: Option<Path>,
}

pub(crate) enum Default {
    Trait,
    Function(Path),
}

/// A field's attributes before the subject is picked out.
struct Parsed {
    field: Field,
    subject: Option<Span>,
}

impl Record {
    pub(crate) fn parse(input: &DeriveInput) -> syn::Result<Self> {
        if !input.generics.params.is_empty() {
            return Err(syn::Error::new(
                input.generics.span(),
                "#[derive(Personal)] does not support generic structs: a record is a concrete type",
            ));
        }
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                _ => return Err(not_named(input)),
            },
            _ => return Err(not_named(input)),
        };
        let mut record = Container::parse(input)?;
        let mut subject = None;
        let mut fields = Vec::new();
        for field in &named.named {
            let parsed = Parsed::parse(field, record.rename_all)?;
            match (parsed.subject, &subject) {
                (Some(span), Some(_)) => {
                    return Err(syn::Error::new(
                        span,
                        "a record has one `#[personal(subject)]` field; this is the second",
                    ));
                }
                (Some(span), None) => {
                    check_subject(&parsed.field, span)?;
                    subject = Some(parsed.field);
                }
                (None, _) => fields.push(parsed.field),
            }
        }
        let Some(subject) = subject else {
            return Err(syn::Error::new(
                input.ident.span(),
                "#[derive(Personal)] needs the field that names the record's subject, \
                 marked `#[personal(subject)]`",
            ));
        };
        check_unique_names(&subject, &fields)?;
        check_unique_labels(&fields)?;
        Ok(Self {
            ident: input.ident.clone(),
            krate: record
                .krate
                .take()
                .unwrap_or_else(|| syn::parse_quote!(::custodian)),
            name: record
                .name
                .take()
                .unwrap_or_else(|| input.ident.to_string()),
            deny_unknown_fields: record.deny_unknown_fields,
            subject,
            fields,
        })
    }
}

fn not_named(input: &DeriveInput) -> syn::Error {
    syn::Error::new(
        input.ident.span(),
        "#[derive(Personal)] is for structs with named fields",
    )
}

fn check_subject(field: &Field, span: Span) -> syn::Result<()> {
    let bad = if field.label.is_some() {
        Some("a label")
    } else if field.category.is_some() {
        Some("a category")
    } else if field.skip || field.default.is_some() || field.skip_serializing_if.is_some() {
        Some("skip or default: every record carries its subject")
    } else {
        None
    };
    match bad {
        Some(what) => Err(syn::Error::new(
            span,
            format!("the subject field takes no {what}"),
        )),
        None => Ok(()),
    }
}

fn check_unique_names(subject: &Field, fields: &[Field]) -> syn::Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    for field in std::iter::once(subject).chain(fields.iter().filter(|f| !f.skip)) {
        for name in std::iter::once(&field.name).chain(&field.aliases) {
            if seen.contains(&name.as_str()) {
                return Err(syn::Error::new(
                    field.member.span(),
                    format!("two fields are serialized as `{name}`"),
                ));
            }
            seen.push(name);
        }
    }
    Ok(())
}

/// Two fields under one label would be interchangeable: a value moved
/// from one to the other would still open.
fn check_unique_labels(fields: &[Field]) -> syn::Result<()> {
    let labels: Vec<&LitStr> = fields.iter().filter_map(|f| f.label.as_ref()).collect();
    for (i, label) in labels.iter().enumerate() {
        if labels[..i]
            .iter()
            .any(|earlier| earlier.value() == label.value())
        {
            return Err(syn::Error::new(
                label.span(),
                "two fields of a record share this label: give each its own",
            ));
        }
    }
    Ok(())
}

/// Container attributes.
struct Container {
    krate: Option<Path>,
    name: Option<String>,
    rename_all: Option<RenameRule>,
    deny_unknown_fields: bool,
}

impl Container {
    fn parse(input: &DeriveInput) -> syn::Result<Self> {
        let mut container = Self {
            krate: None,
            name: None,
            rename_all: None,
            deny_unknown_fields: false,
        };
        for attr in &input.attrs {
            if attr.path().is_ident("personal") {
                attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("crate") {
                        let path: LitStr = meta.value()?.parse()?;
                        container.krate = Some(path.parse()?);
                        Ok(())
                    } else {
                        Err(meta.error(
                            "unknown record attribute: `#[personal(crate = \"...\")]` is the only one \
                             (fields take `subject`, `label` and `category`)",
                        ))
                    }
                })?;
            } else if attr.path().is_ident("serde") {
                attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("rename") {
                        container.name = Some(meta.value()?.parse::<LitStr>()?.value());
                    } else if meta.path.is_ident("rename_all") {
                        let rule: LitStr = meta.value()?.parse()?;
                        container.rename_all =
                            Some(RenameRule::from_name(&rule.value()).ok_or_else(|| {
                                let names: Vec<_> =
                                    RenameRule::NAMES.iter().map(|(n, _)| *n).collect();
                                syn::Error::new(
                                    rule.span(),
                                    format!("unknown rename rule; one of {}", names.join(", ")),
                                )
                            })?);
                    } else if meta.path.is_ident("deny_unknown_fields") {
                        container.deny_unknown_fields = true;
                    } else {
                        return Err(unsupported(&meta.path, SERDE_CONTAINER));
                    }
                    Ok(())
                })?;
            }
        }
        Ok(container)
    }
}

impl Parsed {
    fn parse(field: &syn::Field, rename_all: Option<RenameRule>) -> syn::Result<Self> {
        let Some(member) = field.ident.clone() else {
            return Err(syn::Error::new(field.span(), "fields are named"));
        };
        let rust_name = member.to_string().trim_start_matches("r#").to_owned();
        let mut parsed = Parsed {
            field: Field {
                name: rename_all.map_or_else(|| rust_name.clone(), |rule| rule.apply(&rust_name)),
                member,
                ty: field.ty.clone(),
                rust_name,
                aliases: Vec::new(),
                label: None,
                category: None,
                default: None,
                skip: false,
                skip_serializing_if: None,
            },
            subject: None,
        };
        for attr in &field.attrs {
            if attr.path().is_ident("personal") {
                attr.parse_nested_meta(|meta| parsed.personal(meta))?;
            } else if attr.path().is_ident("serde") {
                attr.parse_nested_meta(|meta| parsed.field.serde(meta))?;
            }
        }
        if parsed.field.label.is_some() && parsed.field.category.is_some() {
            return Err(syn::Error::new(
                field.span(),
                "a field is sealed (its type decides, a label names it) or plain with a category, \
                 not both",
            ));
        }
        Ok(parsed)
    }

    fn personal(&mut self, meta: syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
        if meta.path.is_ident("subject") {
            self.subject = Some(meta.path.span());
        } else if meta.path.is_ident("label") {
            let label: LitStr = meta.value()?.parse()?;
            check_label(&label)?;
            self.field.label = Some(label);
        } else if meta.path.is_ident("category") {
            self.field.category = Some(category(&meta)?);
        } else {
            return Err(meta.error(
                "unknown field attribute: `subject`, `label = \"...\"` or `category = ...`",
            ));
        }
        Ok(())
    }
}

impl Field {
    fn serde(&mut self, meta: syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
        if meta.path.is_ident("rename") {
            self.name = meta.value()?.parse::<LitStr>()?.value();
        } else if meta.path.is_ident("alias") {
            self.aliases.push(meta.value()?.parse::<LitStr>()?.value());
        } else if meta.path.is_ident("default") {
            self.default = Some(if meta.input.peek(syn::Token![=]) {
                Default::Function(meta.value()?.parse::<LitStr>()?.parse()?)
            } else {
                Default::Trait
            });
        } else if meta.path.is_ident("skip") {
            self.skip = true;
        } else if meta.path.is_ident("skip_serializing_if") {
            self.skip_serializing_if = Some(meta.value()?.parse::<LitStr>()?.parse()?);
        } else {
            return Err(unsupported(&meta.path, SERDE_FIELD));
        }
        Ok(())
    }
}

fn unsupported(path: &Path, supported: &str) -> syn::Error {
    syn::Error::new(
        path.span(),
        format!(
            "`#[serde({})]` is not supported by #[derive(Personal)], which writes the serde impls \
             itself; supported here: {supported}",
            path.to_token_stream()
        ),
    )
}

/// Labels are checked again at compile time by `FieldLabel::new`; checking
/// here points the error at the attribute.
fn check_label(label: &LitStr) -> syn::Result<()> {
    let text = label.value();
    let printable = text.bytes().all(|b| b > b' ' && b <= b'~');
    if text.is_empty() || text.len() > 255 || !printable {
        return Err(syn::Error::new(
            label.span(),
            "a field label is 1 to 255 bytes of printable ASCII, without spaces",
        ));
    }
    Ok(())
}

/// `category = "transaction"` (a built-in name) or `category = PATH` (a
/// `Category` constant, for host categories).
fn category(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<TokenStream> {
    let value = meta.value()?;
    if value.peek(LitStr) {
        let name: LitStr = value.parse()?;
        let Some((_, variant)) = CATEGORIES.iter().find(|(n, _)| *n == name.value()) else {
            let names: Vec<_> = CATEGORIES.iter().map(|(n, _)| *n).collect();
            return Err(syn::Error::new(
                name.span(),
                format!(
                    "unknown category; one of {}, or a path to a `Category` constant",
                    names.join(", ")
                ),
            ));
        };
        let variant = Ident::new(variant, name.span());
        // The crate path is only known once the container is parsed.
        Ok(quote!(__custodian_krate::pii::Category::#variant))
    } else {
        let path: Path = value.parse()?;
        Ok(path.into_token_stream())
    }
}
