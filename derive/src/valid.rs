//! Checks the whole intermediate representation before anything is emitted.

use std::collections::HashMap;

use crate::ast::{Derive, Enum, Field, Input, Struct};
use crate::attr::Ctxt;

/// Envelope keys every event has; a declared field cannot take them.
const RESERVED: [&str; 2] = ["event_type", "schema_version"];
/// The lake's hive partition column, which every warehouse table adds.
const PARTITION: &str = "event_date";

pub fn check(cx: &Ctxt, input: &Input) {
    match input {
        Input::Struct(s) => check_struct(cx, s),
        Input::Enum(e) => check_enum(cx, e),
    }
}

fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check_struct(cx: &Ctxt, s: &Struct) {
    if s.derive == Derive::Event {
        match &s.event_type {
            None => cx.error_spanned_by(&s.ident, "BehaviorEvent needs #[behavior(event_type = \"...\", version = N)]"),
            Some(lit) if !is_snake_case(&lit.value()) => cx.error_spanned_by(
                lit,
                "event_type must be snake_case ([a-z][a-z0-9_]*): it names a table, a path and a file",
            ),
            Some(_) => {}
        }
        match s.version {
            None if s.event_type.is_some() => cx.error_spanned_by(
                &s.ident,
                "BehaviorEvent needs #[behavior(version = N)]: the schema version, starting at 1",
            ),
            Some((0, span)) => cx.error_at(span, "versions start at 1"),
            _ => {}
        }
    }
    if s.fields.is_empty() {
        cx.error_spanned_by(&s.ident, "an event or record needs at least one field");
    }
    if s.fields.len() > 126 {
        cx.error_spanned_by(&s.ident, "at most 126 fields: split the type into records");
    }
    let mut names: HashMap<&str, &Field> = HashMap::new();
    for field in &s.fields {
        check_field(cx, field);
        if field.flatten.is_some() {
            continue;
        }
        if let Some(first) = names.insert(&field.wire_name, field) {
            cx.error_at(
                field.wire_span,
                format!(
                    "duplicate wire name {:?} (also field `{}`)",
                    field.wire_name, first.ident
                ),
            );
        }
        if s.derive == Derive::Event && field.wire_name == PARTITION {
            cx.error_at(
                field.wire_span,
                "\"event_date\" is the lake's date partition (the UTC date of event_time), a column of every event table, and cannot be declared",
            );
        }
        if s.derive == Derive::Event && RESERVED.contains(&field.wire_name.as_str()) {
            cx.error_at(
                field.wire_span,
                format!(
                    "{:?} is part of every event's envelope and cannot be declared",
                    field.wire_name
                ),
            );
        }
    }
}

fn check_field(cx: &Ctxt, field: &Field) {
    if !is_snake_case(&field.wire_name) {
        cx.error_at(field.wire_span, "wire names must be snake_case ([a-z][a-z0-9_]*): they are column names in every warehouse");
    }
    if field.doc.is_empty() && field.flatten.is_none() {
        cx.error_spanned_by(&field.ident, "document every field: the doc comment becomes the column's description in Arrow, JSON Schema, Snowflake and dbt");
    }
    if let Some(span) = field.flatten {
        if !field.rules.is_empty() || field.fake.is_some() {
            cx.error_at(
                span,
                "a flattened record takes no rules or fake hint: put them on its fields",
            );
        }
        return;
    }
    let r = &field.rules;
    if let (Some((min, span)), Some((max, _))) = (r.minimum, r.maximum)
        && min > max
    {
        cx.error_at(span, format!("min {min} is greater than max {max}"));
    }
    if let (Some((min, span)), Some((max, _))) = (r.min_length, r.max_length)
        && min > max
    {
        cx.error_at(
            span,
            format!("min_length {min} is greater than max_length {max}"),
        );
    }
    if let (Some((min, span)), Some((max, _))) = (r.min_items, r.max_items)
        && min > max
    {
        cx.error_at(
            span,
            format!("min_items {min} is greater than max_items {max}"),
        );
    }
    if let Some(pattern) = &r.pattern {
        if let Err(error) = regex_syntax::Parser::new().parse(&pattern.value()) {
            cx.error_spanned_by(pattern, format!("invalid pattern: {error}"));
        } else if field.fake.is_none() {
            cx.error_spanned_by(
                pattern,
                "a field with a pattern needs a fake hint (`fake = ...`) so generated data matches it",
            );
        }
    }
}

fn check_enum(cx: &Ctxt, e: &Enum) {
    if e.variants.is_empty() {
        cx.error_spanned_by(&e.ident, "a BehaviorEnum needs at least one variant");
    }
    if e.variants.len() > 127 {
        cx.error_spanned_by(
            &e.ident,
            "at most 127 variants (the dictionary key is an i8)",
        );
    }
    let mut names = HashMap::new();
    for variant in &e.variants {
        if let Some(first) = names.insert(variant.wire_name.as_str(), &variant.ident) {
            cx.error_at(
                variant.wire_span,
                format!(
                    "duplicate wire name {:?} (also variant `{first}`)",
                    variant.wire_name
                ),
            );
        }
    }
}
