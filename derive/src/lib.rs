//! `#[derive(BehaviorEvent)]`, `#[derive(BehaviorRecord)]` and `#[derive(BehaviorEnum)]`.
//!
//! Parse once into an intermediate representation (`ast`, `attr`), check all of it (`valid`),
//! then emit every backend from it (`expand`). Errors point at the offending tokens and are all
//! reported in one compile; a stub impl is emitted beside them to avoid cascades.
//!
//! ```text
//! /// A shopper looked at a product page.
//! #[derive(BehaviorEvent)]
//! #[behavior(event_type = "product_view", version = 1)]
//! pub struct ProductView {
//!     #[behavior(flatten)]
//!     pub context: EventContext,
//!     /// Stock-keeping unit of the product viewed.
//!     #[behavior(max_length = 64, fake = Sku)]
//!     pub sku: String,
//! }
//! ```

mod ast;
mod attr;
mod expand;
mod valid;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

use ast::{Derive, Input};

/// An event type: a struct of documented fields with `#[behavior(event_type, version)]`.
#[proc_macro_derive(BehaviorEvent, attributes(behavior))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    derive(parse_macro_input!(input as DeriveInput), Derive::Event)
}

/// A struct used inside events: nested (`Vec<LineItem>`) or flattened (`#[behavior(flatten)]`).
#[proc_macro_derive(BehaviorRecord, attributes(behavior))]
pub fn derive_record(input: TokenStream) -> TokenStream {
    derive(parse_macro_input!(input as DeriveInput), Derive::Record)
}

/// A closed set of string values (unit variants), stored dictionary-encoded.
#[proc_macro_derive(BehaviorEnum, attributes(behavior))]
pub fn derive_enum(input: TokenStream) -> TokenStream {
    derive(parse_macro_input!(input as DeriveInput), Derive::Enum)
}

fn derive(input: DeriveInput, derive: Derive) -> TokenStream {
    let cx = attr::Ctxt::default();
    let parsed = Input::from_syn(&cx, &input, derive);
    if let Some(parsed) = &parsed {
        valid::check(&cx, parsed);
    }
    match (cx.check(), parsed) {
        (Ok(()), Some(parsed)) => expand::expand(&parsed).into(),
        (Err(errors), _) => {
            let mut out = errors.to_compile_error();
            // A stub for a generic type would itself be an error (missing generic arguments).
            if input.generics.params.is_empty() {
                out.extend(expand::stub(&input.ident, derive));
            }
            out.into()
        }
        (Ok(()), None) => expand::stub(&input.ident, derive).into(),
    }
}
