//! `#[behavior(...)]` attributes read into typed values, and doc comments. Errors are collected
//! (not returned at the first one) so a user fixes every attribute mistake in one compile.

use std::cell::RefCell;

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Lit, LitStr};

use crate::ast::{Derive, Rules};

/// Collects errors with their spans (as serde_derive's `Ctxt`).
#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    pub fn error_spanned_by<T: ToTokens>(&self, tokens: T, message: impl std::fmt::Display) {
        self.errors
            .borrow_mut()
            .push(syn::Error::new_spanned(tokens, message));
    }

    pub fn error_at(&self, span: Span, message: impl std::fmt::Display) {
        self.errors
            .borrow_mut()
            .push(syn::Error::new(span, message));
    }

    pub fn syn_error(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// All errors combined into one, or `Ok` when there were none.
    pub fn check(self) -> syn::Result<()> {
        let mut errors = self.errors.into_inner().into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}

/// The doc comment, lines trimmed and joined with spaces (descriptions are one paragraph).
pub fn doc(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta
            && let Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
        {
            let line = s.value().trim().to_string();
            if !line.is_empty() {
                lines.push(line);
            }
        }
    }
    lines.join(" ")
}

/// How enum variant names become wire strings.
#[derive(Clone, Copy, Default)]
pub enum RenameAll {
    #[default]
    SnakeCase,
    ScreamingSnakeCase,
    KebabCase,
    Lowercase,
}

impl RenameAll {
    pub fn apply(self, ident: &str) -> String {
        let mut snake = String::new();
        for (i, c) in ident.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
        }
        match self {
            RenameAll::SnakeCase => snake,
            RenameAll::ScreamingSnakeCase => snake.to_uppercase(),
            RenameAll::KebabCase => snake.replace('_', "-"),
            RenameAll::Lowercase => ident.to_lowercase(),
        }
    }
}

#[derive(Default)]
pub struct Container {
    pub event_type: Option<LitStr>,
    pub version: Option<(u32, Span)>,
    pub rename_all: RenameAll,
}

impl Container {
    pub fn from_attrs(cx: &Ctxt, attrs: &[Attribute], derive: Derive) -> Container {
        let mut out = Container::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("behavior")) {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("event_type") && derive == Derive::Event {
                    out.event_type = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident("version") && derive == Derive::Event {
                    let lit: syn::LitInt = meta.value()?.parse()?;
                    out.version = Some((lit.base10_parse()?, lit.span()));
                } else if meta.path.is_ident("rename_all") && derive == Derive::Enum {
                    let lit: LitStr = meta.value()?.parse()?;
                    out.rename_all = match lit.value().as_str() {
                        "snake_case" => RenameAll::SnakeCase,
                        "SCREAMING_SNAKE_CASE" => RenameAll::ScreamingSnakeCase,
                        "kebab-case" => RenameAll::KebabCase,
                        "lowercase" => RenameAll::Lowercase,
                        _ => {
                            return Err(syn::Error::new(
                                lit.span(),
                                "unknown rename_all: expected \"snake_case\", \"SCREAMING_SNAKE_CASE\", \"kebab-case\" or \"lowercase\"",
                            ));
                        }
                    };
                } else {
                    let allowed = match derive {
                        Derive::Event => "`event_type = \"...\"` and `version = N`",
                        Derive::Record => "nothing (records take field attributes only)",
                        Derive::Enum => "`rename_all = \"...\"`",
                    };
                    return Err(meta.error(format!(
                        "unknown container attribute `{}`: here #[behavior] takes {allowed}",
                        meta.path.to_token_stream()
                    )));
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }
        out
    }
}

/// `#[behavior(rename = "...")]` on an enum variant.
pub fn variant_rename(cx: &Ctxt, attrs: &[Attribute]) -> Option<LitStr> {
    let mut rename = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("behavior")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                rename = Some(meta.value()?.parse()?);
                Ok(())
            } else {
                Err(meta.error("unknown variant attribute: variants take only `rename = \"...\"`"))
            }
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
    rename
}

#[derive(Default)]
pub struct FieldAttrs {
    pub rename: Option<LitStr>,
    pub rules: Rules,
    pub fake: Option<Expr>,
    pub flatten: Option<Span>,
}

impl FieldAttrs {
    pub fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
        let mut out = FieldAttrs::default();
        for attr in attrs {
            if attr.path().is_ident("serde") {
                // The wire shape is this derive's: a serde attribute would suggest a second source
                // of truth for names that the derive would not follow.
                cx.error_spanned_by(
                    attr,
                    "#[serde(...)] is not read by BehaviorEvent: use #[behavior(rename = \"...\")]",
                );
                continue;
            }
            if !attr.path().is_ident("behavior") {
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                let path = &meta.path;
                if path.is_ident("rename") {
                    out.rename = Some(meta.value()?.parse()?);
                } else if path.is_ident("min") || path.is_ident("minimum") {
                    out.rules.minimum = Some(number(meta.value()?.parse()?)?);
                } else if path.is_ident("max") || path.is_ident("maximum") {
                    out.rules.maximum = Some(number(meta.value()?.parse()?)?);
                } else if path.is_ident("min_length") {
                    out.rules.min_length = Some(count(meta.value()?.parse()?)?);
                } else if path.is_ident("max_length") {
                    out.rules.max_length = Some(count(meta.value()?.parse()?)?);
                } else if path.is_ident("min_items") {
                    out.rules.min_items = Some(count(meta.value()?.parse()?)?);
                } else if path.is_ident("max_items") {
                    out.rules.max_items = Some(count(meta.value()?.parse()?)?);
                } else if path.is_ident("pattern") {
                    out.rules.pattern = Some(meta.value()?.parse()?);
                } else if path.is_ident("fake") {
                    out.fake = Some(meta.value()?.parse()?);
                } else if path.is_ident("flatten") {
                    out.flatten = Some(path.span());
                } else {
                    return Err(meta.error(format!(
                        "unknown field attribute `{}`: expected one of rename, min, max, min_length, max_length, min_items, max_items, pattern, fake, flatten",
                        path.to_token_stream()
                    )));
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }
        out
    }
}

/// A numeric literal, optionally negated: `min = -5`, `max = 99.5`.
fn number(expr: Expr) -> syn::Result<(f64, Span)> {
    let span = expr.span();
    let (negative, lit) = match &expr {
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => (true, &**expr),
        other => (false, other),
    };
    let value = match lit {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse::<f64>()?,
        Expr::Lit(syn::ExprLit {
            lit: Lit::Float(f), ..
        }) => f.base10_parse::<f64>()?,
        _ => return Err(syn::Error::new(span, "expected a number literal")),
    };
    Ok((if negative { -value } else { value }, span))
}

/// A non-negative integer literal: lengths and item counts.
fn count(lit: syn::LitInt) -> syn::Result<(u32, Span)> {
    Ok((lit.base10_parse::<u32>()?, lit.span()))
}
