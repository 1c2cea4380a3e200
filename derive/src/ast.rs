//! The intermediate representation: a derive input read once into these types. `valid.rs`
//! checks them and `expand.rs` emits every backend from them and nothing else.

use proc_macro2::Span;
use syn::{Expr, Ident, LitStr, Type};

use crate::attr::{self, Ctxt};

/// What is being derived.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Derive {
    Event,
    Record,
    Enum,
}

pub enum Input {
    Struct(Struct),
    Enum(Enum),
}

pub struct Struct {
    pub derive: Derive,
    pub ident: Ident,
    pub doc: String,
    /// `Some` for events (checked present in `valid.rs`).
    pub event_type: Option<LitStr>,
    pub version: Option<(u32, Span)>,
    pub fields: Vec<Field>,
}

pub struct Field {
    pub ident: Ident,
    pub ty: Type,
    pub wire_name: String,
    pub wire_span: Span,
    pub doc: String,
    pub rules: Rules,
    pub fake: Option<Expr>,
    pub flatten: Option<Span>,
}

/// Declared validation, as literals (numbers already parsed).
#[derive(Default)]
pub struct Rules {
    pub minimum: Option<(f64, Span)>,
    pub maximum: Option<(f64, Span)>,
    pub min_length: Option<(u32, Span)>,
    pub max_length: Option<(u32, Span)>,
    pub min_items: Option<(u32, Span)>,
    pub max_items: Option<(u32, Span)>,
    pub pattern: Option<LitStr>,
}

impl Rules {
    pub fn is_empty(&self) -> bool {
        self.minimum.is_none()
            && self.maximum.is_none()
            && self.min_length.is_none()
            && self.max_length.is_none()
            && self.min_items.is_none()
            && self.max_items.is_none()
            && self.pattern.is_none()
    }
}

pub struct Enum {
    pub ident: Ident,
    pub variants: Vec<Variant>,
}

pub struct Variant {
    pub ident: Ident,
    pub wire_name: String,
    pub wire_span: Span,
}

impl Input {
    /// Reads the derive input; every attribute error is collected in `cx`.
    pub fn from_syn(cx: &Ctxt, input: &syn::DeriveInput, derive: Derive) -> Option<Input> {
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(
                &input.generics,
                "event types cannot be generic: the schema must be known when the derive runs",
            );
            return None;
        }
        match (&input.data, derive) {
            (syn::Data::Struct(data), Derive::Event | Derive::Record) => {
                let syn::Fields::Named(named) = &data.fields else {
                    cx.error_spanned_by(
                        &input.ident,
                        "expected a struct with named fields: each field is a named column",
                    );
                    return None;
                };
                let container = attr::Container::from_attrs(cx, &input.attrs, derive);
                let fields = named.named.iter().map(|f| Field::from_syn(cx, f)).collect();
                Some(Input::Struct(Struct {
                    derive,
                    ident: input.ident.clone(),
                    doc: attr::doc(&input.attrs),
                    event_type: container.event_type,
                    version: container.version,
                    fields,
                }))
            }
            (syn::Data::Enum(data), Derive::Enum) => {
                let container = attr::Container::from_attrs(cx, &input.attrs, derive);
                let mut variants = Vec::new();
                for variant in &data.variants {
                    if !matches!(variant.fields, syn::Fields::Unit) {
                        cx.error_spanned_by(variant, "BehaviorEnum variants cannot carry data: the column holds one of a fixed set of strings");
                        continue;
                    }
                    let rename = attr::variant_rename(cx, &variant.attrs);
                    let (wire_name, wire_span) = match rename {
                        Some(lit) => (lit.value(), lit.span()),
                        None => (
                            container.rename_all.apply(&variant.ident.to_string()),
                            variant.ident.span(),
                        ),
                    };
                    variants.push(Variant {
                        ident: variant.ident.clone(),
                        wire_name,
                        wire_span,
                    });
                }
                Some(Input::Enum(Enum {
                    ident: input.ident.clone(),
                    variants,
                }))
            }
            (_, Derive::Enum) => {
                cx.error_spanned_by(
                    &input.ident,
                    "BehaviorEnum derives only on enums of unit variants",
                );
                None
            }
            _ => {
                cx.error_spanned_by(
                    &input.ident,
                    "BehaviorEvent and BehaviorRecord derive only on structs with named fields",
                );
                None
            }
        }
    }
}

impl Field {
    fn from_syn(cx: &Ctxt, field: &syn::Field) -> Field {
        // Named fields always have an ident.
        let ident = field
            .ident
            .clone()
            .unwrap_or_else(|| Ident::new("_", Span::call_site()));
        let attrs = attr::FieldAttrs::from_attrs(cx, &field.attrs);
        let name = ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name).to_string();
        let (wire_name, wire_span) = match &attrs.rename {
            Some(lit) => (lit.value(), lit.span()),
            None => (name, ident.span()),
        };
        Field {
            ident,
            ty: field.ty.clone(),
            wire_name,
            wire_span,
            doc: attr::doc(&field.attrs),
            rules: attrs.rules,
            fake: attrs.fake,
            flatten: attrs.flatten,
        }
    }
}
