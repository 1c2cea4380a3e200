//! Emits code from the checked intermediate representation.
//!
//! Only the hot paths are generated per type (column builders, the key dispatch of the JSON
//! decoder, appends, fakes, serialization); everything else (Arrow schema, JSON Schema,
//! warehouse exports) is computed by the runtime from the descriptor `describe_fields` builds.
//! All output sits in `const _: () = { ... };` so helper items never leak names.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::{Derive, Enum, Field, Input, Rules, Struct};

pub fn expand(input: &Input) -> TokenStream {
    match input {
        Input::Struct(s) => expand_struct(s),
        Input::Enum(e) => expand_enum(e),
    }
}

/// A stub impl emitted next to `compile_error!`, so the user sees the attribute error and not
/// a cascade of "trait not implemented" errors at every use of the type.
pub fn stub(ident: &syn::Ident, derive: Derive) -> TokenStream {
    match derive {
        Derive::Enum => TokenStream::new(),
        Derive::Event | Derive::Record => quote! {
            impl ::behavior_runtime::__private::Serialize for #ident {
                fn serialize<S: ::behavior_runtime::__private::Serializer>(&self, _: S) -> ::core::result::Result<S::Ok, S::Error> {
                    ::core::unimplemented!()
                }
            }
        },
    }
}

fn opt<T: quote::ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

fn rules_static(name: &syn::Ident, rules: &Rules) -> TokenStream {
    let minimum = opt(rules.minimum.map(|r| r.0));
    let maximum = opt(rules.maximum.map(|r| r.0));
    let min_length = opt(rules.min_length.map(|r| r.0));
    let max_length = opt(rules.max_length.map(|r| r.0));
    let min_items = opt(rules.min_items.map(|r| r.0));
    let max_items = opt(rules.max_items.map(|r| r.0));
    let pattern = opt(rules
        .pattern
        .as_ref()
        .map(|p| quote!(__rt::Pattern::new(#p))));
    quote! {
        static #name: __rt::Rules = __rt::Rules {
            minimum: #minimum,
            maximum: #maximum,
            min_length: #min_length,
            max_length: #max_length,
            min_items: #min_items,
            max_items: #max_items,
            pattern: #pattern,
        };
    }
}

/// Compile-time checks that the field's type enforces each declared rule (the type is only
/// known to the compiler: `Option<Vec<T>>`, aliases, newtypes). Spanned on the rule, so the
/// error points at the attribute.
fn rule_checks(ty: &syn::Type, rules: &Rules) -> TokenStream {
    let mut checks = TokenStream::new();
    let mut check = |span: Span, kind: &str, message: &str| {
        let kind = format_ident!("{}", kind);
        checks.extend(quote_spanned! {span=>
            const _: () = ::core::assert!(
                <#ty as __rt::ColumnType>::RULES & __rt::rule_kinds::#kind != 0,
                #message
            );
        });
    };
    let bounds = "min and max apply to numbers (integers, f64, Decimal) and are not enforced on this field's type";
    let length = "min_length and max_length apply to strings and are not enforced on this field's type (min_items and max_items bound a list)";
    let items =
        "min_items and max_items apply to lists (Vec<T>) and are not enforced on this field's type";
    for (rule, kind, message) in [
        (rules.minimum.map(|r| r.1), "BOUNDS", bounds),
        (rules.maximum.map(|r| r.1), "BOUNDS", bounds),
        (rules.min_length.map(|r| r.1), "LENGTH", length),
        (rules.max_length.map(|r| r.1), "LENGTH", length),
        (rules.min_items.map(|r| r.1), "ITEMS", items),
        (rules.max_items.map(|r| r.1), "ITEMS", items),
    ] {
        if let Some(span) = rule {
            check(span, kind, message);
        }
    }
    if let Some(pattern) = &rules.pattern {
        check(
            pattern.span(),
            "PATTERN",
            "pattern applies to strings and is not enforced on this field's type",
        );
    }
    checks
}

/// Per-field names used across the generated items.
struct Names<'a> {
    field: &'a Field,
    column: syn::Ident,
    rules: syn::Ident,
    offset: syn::Ident,
}

fn expand_struct(s: &Struct) -> TokenStream {
    let ident = &s.ident;
    let columns_ty = format_ident!("__{}Columns", ident);
    let partial_ty = format_ident!("__{}Partial", ident);
    let names: Vec<Names> = s
        .fields
        .iter()
        .enumerate()
        .map(|(i, field)| Names {
            field,
            column: format_ident!("c{}", i),
            rules: format_ident!("__RULES_{}", i),
            offset: format_ident!("__OFFSET_{}", i),
        })
        .collect();

    let mut rules_statics = Vec::new();
    let mut offsets = Vec::new();
    let mut column_fields = Vec::new();
    let mut with_capacity = Vec::new();
    let mut append = Vec::new();
    let mut describe = Vec::new();
    let mut fake = Vec::new();
    let mut serialize = Vec::new();
    let mut field_index = Vec::new();
    let mut flat_index = Vec::new();
    let mut decode = Vec::new();
    let mut complete = Vec::new();
    let mut append_null = Vec::new();
    let mut truncate = Vec::new();
    let mut byte_size = Vec::new();
    let mut finish = Vec::new();
    let mut width = Vec::new();
    let mut partial_fields = Vec::new();
    let mut accept = Vec::new();
    let mut flat_accept = Vec::new();
    let mut build = Vec::new();

    let mut previous: Option<(syn::Ident, TokenStream)> = None;
    for n in &names {
        let Names {
            field,
            column,
            rules,
            offset,
        } = n;
        let ty = &field.ty;
        let member = &field.ident;
        let wire = &field.wire_name;
        let doc = &field.doc;
        let span = ty.span();
        let this_width = if field.flatten.is_some() {
            quote_spanned!(span=> <#ty as __rt::Record>::FIELD_COUNT)
        } else {
            quote!(1u32)
        };
        let start = match &previous {
            Some((prev, prev_width)) => quote!(#prev + #prev_width),
            None => quote!(0u32),
        };
        offsets.push(quote!(const #offset: u32 = #start;));
        width.push(this_width.clone());
        previous = Some((offset.clone(), this_width));

        if field.flatten.is_some() {
            let cols = quote_spanned!(span=> <#ty as __rt::Record>::Columns);
            column_fields.push(quote!(#column: #cols));
            with_capacity
                .push(quote!(#column: <#cols as __rt::RecordColumns<#ty>>::with_capacity(rows)));
            append.push(quote!(__rt::RecordColumns::append(&mut self.#column, &record.#member);));
            describe.push(quote_spanned!(span=> <#ty as __rt::Record>::describe_fields(out);));
            fake.push(quote_spanned!(span=> #member: <#ty as __rt::Record>::fake_record(faker)));
            serialize.push(quote!(__rt::Record::serialize_fields(&self.#member, map)?;));
            flat_index.push(quote! {
                if let ::core::option::Option::Some(index) = <#cols as __rt::RecordColumns<#ty>>::field_index(key) {
                    return ::core::option::Option::Some(#offset + index);
                }
            });
            decode.push(quote! {
                if index >= #offset && index < #offset + <#ty as __rt::Record>::FIELD_COUNT {
                    return __rt::RecordColumns::decode_field(&mut self.#column, index - #offset, decoder, peek);
                }
            });
            complete
                .push(quote!(__rt::RecordColumns::complete(&mut self.#column, seen >> #offset)?;));
            append_null.push(quote!(__rt::RecordColumns::append_null(&mut self.#column);));
            truncate.push(quote!(__rt::RecordColumns::truncate(&mut self.#column, len);));
            byte_size.push(quote!(__rt::RecordColumns::byte_size(&self.#column)));
            finish.push(quote!(__rt::RecordColumns::finish(&mut self.#column, fields, out);));
            partial_fields.push(quote_spanned!(span=> #column: <#ty as __rt::Record>::Partial));
            flat_accept.push(quote! {
                if __rt::RecordPartial::<#ty>::accept(&mut self.#column, key, map)? {
                    return ::core::result::Result::Ok(true);
                }
            });
            build.push(quote!(#member: __rt::RecordPartial::<#ty>::build(self.#column)?));
            continue;
        }

        rules_statics.push(rules_static(rules, &field.rules));
        rules_statics.push(rule_checks(ty, &field.rules));
        let col_ty = quote_spanned!(span=> <#ty as __rt::ColumnType>::Column);
        column_fields.push(quote!(#column: #col_ty));
        with_capacity.push(quote!(#column: <#col_ty as __rt::Column>::with_capacity(rows)));
        append.push(quote_spanned!(span=> <#ty as __rt::ColumnType>::append(&record.#member, &mut self.#column);));
        describe.push(quote_spanned!(span=> out.push(__rt::field::<#ty>(#wire, #doc, &#rules));));
        fake.push(match &field.fake {
            Some(expr) => quote_spanned!(expr.span()=> #member: faker.with::<#ty, _>(&(#expr))),
            None => quote_spanned!(span=> #member: <#ty as __rt::ColumnType>::fake(faker, &#rules)),
        });
        serialize.push(quote!(map.serialize_entry(#wire, &self.#member)?;));
        field_index.push(quote!(#wire => return ::core::option::Option::Some(#offset),));
        decode.push(quote! {
            if index == #offset {
                return <#ty as __rt::ColumnType>::decode(decoder, peek, &mut self.#column, &#rules)
                    .map_err(|e| e.at_key(#wire));
            }
        });
        complete.push(quote! {
            if seen & (1u128 << #offset) == 0 {
                if <#ty as __rt::ColumnType>::NULLABLE {
                    __rt::Column::append_null(&mut self.#column);
                } else {
                    return ::core::result::Result::Err(__rt::missing_field(#wire));
                }
            }
        });
        append_null.push(quote!(__rt::Column::append_null(&mut self.#column);));
        truncate.push(quote!(__rt::Column::truncate(&mut self.#column, len);));
        byte_size.push(quote!(__rt::Column::byte_size(&self.#column)));
        partial_fields.push(quote_spanned!(span=> #column: ::core::option::Option<#ty>));
        accept.push(quote! {
            #wire => {
                __rt::take(&mut self.#column, #wire, map)?;
                return ::core::result::Result::Ok(true);
            }
        });
        build.push(quote! {
            #member: match self.#column.or_else(<#ty as __rt::ColumnType>::absent) {
                ::core::option::Option::Some(value) => value,
                ::core::option::Option::None => return ::core::result::Result::Err(E::missing_field(#wire)),
            }
        });
        finish.push(quote! {
            if let ::core::option::Option::Some(field) = fields.next() {
                out.push(__rt::Column::finish(&mut self.#column, field.data_type()));
            }
        });
    }

    let doc = &s.doc;
    let event_impls = match s.derive {
        Derive::Event => {
            let event_type = s.event_type.as_ref().map(|l| l.value()).unwrap_or_default();
            let version = s.version.map(|v| v.0).unwrap_or(1);
            quote! {
                impl __rt::Event for #ident {
                    const EVENT_TYPE: &'static str = #event_type;
                    const VERSION: u32 = #version;
                    const DOC: &'static str = #doc;

                    fn descriptor() -> &'static __rt::EventDescriptor {
                        static DESCRIPTOR: __rt::OnceLock<__rt::EventDescriptor> = __rt::OnceLock::new();
                        DESCRIPTOR.get_or_init(__rt::build_descriptor::<#ident>)
                    }
                }

                impl __rt::Serialize for #ident {
                    fn serialize<S: __rt::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                        __rt::serialize_event(self, serializer)
                    }
                }

                impl<'de> __rt::Deserialize<'de> for #ident {
                    fn deserialize<D: __rt::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                        __rt::deserialize_event::<#ident, D>(deserializer)
                    }
                }
            }
        }
        _ => quote! {
            impl __rt::ColumnType for #ident {
                type Column = __rt::StructColumn<#ident>;

                fn logical() -> __rt::Logical {
                    __rt::Logical::Struct(__rt::describe::<#ident>())
                }

                #[inline]
                fn append(&self, column: &mut Self::Column) {
                    column.push(self);
                }

                #[inline]
                fn decode(
                    decoder: &mut __rt::Decoder<'_>,
                    peek: __rt::Peek,
                    column: &mut Self::Column,
                    _rules: &__rt::Rules,
                ) -> ::core::result::Result<(), __rt::DecodeError> {
                    column.decode(decoder, peek)
                }

                fn fake(faker: &mut __rt::Faker, _rules: &__rt::Rules) -> Self {
                    <#ident as __rt::Record>::fake_record(faker)
                }
            }

            impl __rt::Serialize for #ident {
                fn serialize<S: __rt::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                    let mut map = serializer.serialize_map(::core::option::Option::None)?;
                    __rt::Record::serialize_fields(self, &mut map)?;
                    map.end()
                }
            }

            impl<'de> __rt::Deserialize<'de> for #ident {
                fn deserialize<D: __rt::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                    __rt::deserialize_record::<#ident, D>(deserializer)
                }
            }
        },
    };

    let field_count = quote!(0u32 #(+ #width)*);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            use ::behavior_runtime::__private as __rt;
            use __rt::SerializeMap as _;

            #(#rules_statics)*
            #(#offsets)*

            // Two bits of the `seen` mask are the event envelope's.
            const _: () = ::core::assert!(#field_count <= 126, "more than 126 columns, flattened records included");

            #[doc(hidden)]
            pub struct #columns_ty {
                #(#column_fields,)*
            }

            #[doc(hidden)]
            #[derive(Default)]
            pub struct #partial_ty {
                #(#partial_fields,)*
            }

            impl __rt::RecordPartial<#ident> for #partial_ty {
                fn accept<'de, A: __rt::MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> ::core::result::Result<bool, A::Error> {
                    match key {
                        #(#accept)*
                        _ => {}
                    }
                    #(#flat_accept)*
                    ::core::result::Result::Ok(false)
                }

                fn build<E: __rt::DeError>(self) -> ::core::result::Result<#ident, E> {
                    ::core::result::Result::Ok(#ident { #(#build,)* })
                }
            }

            impl __rt::Record for #ident {
                type Columns = #columns_ty;
                type Partial = #partial_ty;
                const FIELD_COUNT: u32 = #field_count;

                fn describe_fields(out: &mut ::std::vec::Vec<__rt::FieldDesc>) {
                    #(#describe)*
                }

                fn fake_record(faker: &mut __rt::Faker) -> Self {
                    Self { #(#fake,)* }
                }

                fn serialize_fields<M: __rt::SerializeMap>(&self, map: &mut M) -> ::core::result::Result<(), M::Error> {
                    #(#serialize)*
                    ::core::result::Result::Ok(())
                }
            }

            impl __rt::RecordColumns<#ident> for #columns_ty {
                fn with_capacity(rows: usize) -> Self {
                    Self { #(#with_capacity,)* }
                }

                #[inline]
                fn append(&mut self, record: &#ident) {
                    #(#append)*
                }

                #[inline]
                fn field_index(key: &str) -> ::core::option::Option<u32> {
                    match key {
                        #(#field_index)*
                        _ => {}
                    }
                    #(#flat_index)*
                    ::core::option::Option::None
                }

                #[inline]
                fn decode_field(
                    &mut self,
                    index: u32,
                    decoder: &mut __rt::Decoder<'_>,
                    peek: __rt::Peek,
                ) -> ::core::result::Result<(), __rt::DecodeError> {
                    #(#decode)*
                    ::core::result::Result::Ok(())
                }

                #[inline]
                fn complete(&mut self, seen: u128) -> ::core::result::Result<(), __rt::DecodeError> {
                    #(#complete)*
                    ::core::result::Result::Ok(())
                }

                fn append_null(&mut self) {
                    #(#append_null)*
                }

                fn truncate(&mut self, len: usize) {
                    #(#truncate)*
                }

                fn byte_size(&self) -> usize {
                    0 #(+ #byte_size)*
                }

                fn finish(
                    &mut self,
                    fields: &mut ::core::slice::Iter<'_, __rt::FieldRef>,
                    out: &mut ::std::vec::Vec<__rt::ArrayRef>,
                ) {
                    #(#finish)*
                }
            }

            #event_impls
        };
    }
}

fn expand_enum(e: &Enum) -> TokenStream {
    let ident = &e.ident;
    let variants: Vec<&syn::Ident> = e.variants.iter().map(|v| &v.ident).collect();
    let wires: Vec<&str> = e.variants.iter().map(|v| v.wire_name.as_str()).collect();
    let keys: Vec<i8> = (0..e.variants.len()).map(|i| i as i8).collect();
    let indices: Vec<usize> = (0..e.variants.len()).collect();
    let count = e.variants.len();
    let last = variants
        .last()
        .cloned()
        .cloned()
        .unwrap_or_else(|| syn::Ident::new("_", Span::call_site()));
    let expected = format!(
        "one of {}",
        wires
            .iter()
            .map(|w| format!("{w:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            use ::behavior_runtime::__private as __rt;

            const VALUES: &[&str] = &[#(#wires),*];

            impl #ident {
                /// Every value, in declaration order (the dictionary's order).
                pub const ALL: [#ident; #count] = [#(#ident::#variants),*];

                /// The wire string of this value.
                pub const fn as_str(&self) -> &'static str {
                    match self {
                        #(#ident::#variants => #wires,)*
                    }
                }
            }

            impl __rt::DictValues for #ident {
                fn values() -> &'static [&'static str] {
                    VALUES
                }
            }

            impl __rt::ColumnType for #ident {
                type Column = __rt::DictColumn<#ident>;

                fn logical() -> __rt::Logical {
                    __rt::Logical::Enum(VALUES)
                }

                #[inline]
                fn append(&self, column: &mut Self::Column) {
                    column.push(match self {
                        #(#ident::#variants => #keys,)*
                    });
                }

                #[inline]
                fn decode(
                    decoder: &mut __rt::Decoder<'_>,
                    peek: __rt::Peek,
                    column: &mut Self::Column,
                    _rules: &__rt::Rules,
                ) -> ::core::result::Result<(), __rt::DecodeError> {
                    let value = decoder.str(peek, #expected)?;
                    let key = match value {
                        #(#wires => #keys,)*
                        other => return ::core::result::Result::Err(__rt::not_in_enum(other, VALUES)),
                    };
                    column.push(key);
                    ::core::result::Result::Ok(())
                }

                fn fake(faker: &mut __rt::Faker, _rules: &__rt::Rules) -> Self {
                    match faker.index(#count) {
                        #(#indices => #ident::#variants,)*
                        _ => #ident::#last,
                    }
                }
            }

            impl __rt::Serialize for #ident {
                fn serialize<S: __rt::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }

            impl<'de> __rt::Deserialize<'de> for #ident {
                fn deserialize<D: __rt::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                    let __rt::Text(text) = __rt::Text::deserialize(deserializer)?;
                    match text.as_ref() {
                        #(#wires => ::core::result::Result::Ok(#ident::#variants),)*
                        other => ::core::result::Result::Err(<D::Error as __rt::DeError>::unknown_variant(other, VALUES)),
                    }
                }
            }
        };
    }
}
