//! Generates the catalog from `src/events/*.rs`: one module per file, and `EVENT_KINDS` listing
//! every struct there that derives `BehaviorEvent`. Adding an event type is adding a file; no
//! list anywhere needs editing. Two types claiming the same event type and version fail the
//! build here, with both file names.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/events");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort();

    let mut modules = String::new();
    let mut kinds = String::new();
    let mut claimed: BTreeMap<(String, String), String> = BTreeMap::new();
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let module = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let source = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        // A file that does not parse is left to rustc, which reports it properly.
        let items = syn::parse_file(&source)
            .map(|f| f.items)
            .unwrap_or_default();
        writeln!(
            modules,
            "#[path = {:?}]\npub mod {module};",
            path.display().to_string()
        )
        .unwrap();
        for item in items {
            let syn::Item::Struct(item) = item else {
                continue;
            };
            if !derives_event(&item.attrs) {
                continue;
            }
            let ident = &item.ident;
            writeln!(modules, "pub use {module}::{ident};").unwrap();
            writeln!(
                kinds,
                "    &::behavior_runtime::Kind::<{module}::{ident}>::NEW,"
            )
            .unwrap();
            if let Some(key) = event_key(&item.attrs) {
                let here = format!("{}::{ident}", path.display());
                if let Some(other) = claimed.insert(key.clone(), here.clone()) {
                    panic!(
                        "event type {} version {} is declared twice: {other} and {here}",
                        key.0, key.1
                    );
                }
            }
        }
    }
    let out = format!(
        "pub mod events {{\n{modules}}}\n\n/// Every event type in `src/events/`, in file order.\npub static EVENT_KINDS: &[&dyn ::behavior_runtime::EventKind] = &[\n{}];\n",
        kinds.replace(
            "&::behavior_runtime::Kind::<",
            "&::behavior_runtime::Kind::<events::"
        )
    );
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("catalog.rs"), out).expect("write catalog.rs");
}

fn derives_event(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("derive")
            && attr
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|paths| {
                    paths.iter().any(|p| {
                        p.segments
                            .last()
                            .is_some_and(|s| s.ident == "BehaviorEvent")
                    })
                })
    })
}

/// `(event_type, version)` from `#[behavior(event_type = "...", version = N)]`.
fn event_key(attrs: &[syn::Attribute]) -> Option<(String, String)> {
    let mut event_type = None;
    let mut version = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("behavior")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("event_type") {
                event_type = Some(meta.value()?.parse::<syn::LitStr>()?.value());
            } else if meta.path.is_ident("version") {
                version = Some(meta.value()?.parse::<syn::LitInt>()?.to_string());
            } else if let Ok(value) = meta.value() {
                let _ = value.parse::<syn::Expr>();
            }
            Ok(())
        });
    }
    Some((event_type?, version?))
}
