//! The compatibility rules one by one, per mode, on real schemas from the registry with one
//! change each; then the committed exports, and the binary against a directory and a git ref.

use std::path::Path;
use std::process::Command;

use behavior_warehouse::compat::{self, Mode, Report, Rule, Schemas};
use serde_json::{Value, json};

fn registry_schemas() -> Schemas {
    compat::current(behavior_schema::registry())
}

/// Old = the registry; new = the registry with `edit` applied to one subject's schema.
fn changed(subject: &str, edit: impl FnOnce(&mut Value)) -> Vec<compat::Change> {
    let old = registry_schemas();
    let mut new = old.clone();
    edit(new.get_mut(subject).expect("a registered subject"));
    compat::compare(&old, &new)
}

/// The single change an edit makes, and which modes it passes.
fn single(subject: &str, edit: impl FnOnce(&mut Value)) -> (String, Rule, [bool; 3]) {
    let changes = changed(subject, edit);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let change = changes.into_iter().next().unwrap();
    assert_eq!(change.subject, subject);
    let passes = [Mode::Backward, Mode::Forward, Mode::Full].map(|m| !change.rule.breaks(m));
    (change.path, change.rule, passes)
}

fn props(schema: &mut Value) -> &mut serde_json::Map<String, Value> {
    schema["properties"].as_object_mut().unwrap()
}

fn required(schema: &mut Value) -> &mut Vec<Value> {
    schema["required"].as_array_mut().unwrap()
}

// [BACKWARD, FORWARD, FULL]
const BREAKS_ALL: [bool; 3] = [false, false, false];
const BACKWARD_ONLY: [bool; 3] = [true, false, false];
const FORWARD_ONLY: [bool; 3] = [false, true, false];

#[test]
fn no_change_no_report() {
    assert_eq!(changed("search.v1", |_| {}), vec![]);
}

#[test]
fn removing_a_required_field_breaks_every_mode() {
    let (path, rule, passes) = single("page_view.v1", |s| {
        props(s).remove("page_title");
        required(s).retain(|r| r != "page_title");
    });
    assert_eq!(path, "$.page_title");
    assert_eq!(rule, Rule::FieldRemoved { was_required: true });
    assert_eq!(passes, BREAKS_ALL);
}

#[test]
fn removing_an_optional_field_breaks_backward_in_a_closed_model() {
    let (_, rule, passes) = single("page_view.v1", |s| {
        props(s).remove("load_time_ms");
    });
    assert_eq!(
        rule,
        Rule::FieldRemoved {
            was_required: false
        }
    );
    // New readers reject old data that still has it (additionalProperties: false); old
    // readers accept new data without it.
    assert_eq!(passes, FORWARD_ONLY);
}

#[test]
fn renaming_a_field_is_recognised_and_breaks_every_mode() {
    let (path, rule, passes) = single("search.v1", |s| {
        let query = props(s).remove("query").unwrap();
        props(s).insert("search_query".into(), query);
        for r in required(s) {
            if r == "query" {
                *r = json!("search_query");
            }
        }
    });
    assert_eq!(path, "$.query");
    assert_eq!(
        rule,
        Rule::FieldRenamed {
            to: "search_query".into()
        }
    );
    assert_eq!(passes, BREAKS_ALL);
}

#[test]
fn changing_a_type_breaks_every_mode() {
    let (path, rule, passes) = single("search.v1", |s| {
        props(s)["results_count"] = json!({"type": "string", "description": "now a string"});
    });
    assert_eq!(path, "$.results_count");
    assert_eq!(
        rule,
        Rule::TypeChanged {
            from: "integer".into(),
            to: "string".into()
        }
    );
    assert_eq!(passes, BREAKS_ALL);
}

#[test]
fn changing_a_decimal_scale_is_a_type_change() {
    let (_, rule, _) = single("add_to_cart.v1", |s| {
        props(s)["unit_price"]["x-decimal"]["scale"] = json!(4);
    });
    assert!(matches!(rule, Rule::TypeChanged { .. }), "{rule:?}");
}

#[test]
fn optional_to_required_breaks_backward_only() {
    let (path, rule, passes) = single("page_view.v1", |s| {
        let inner = props(s)["load_time_ms"]["anyOf"][0].clone();
        props(s)["load_time_ms"] = inner;
        required(s).push(json!("load_time_ms"));
    });
    assert_eq!(path, "$.load_time_ms");
    assert_eq!(rule, Rule::OptionalToRequired);
    assert_eq!(passes, FORWARD_ONLY);
}

#[test]
fn required_to_optional_breaks_forward_only() {
    let (_, rule, passes) = single("page_view.v1", |s| {
        let inner = props(s)["page_title"].clone();
        props(s)["page_title"] = json!({"anyOf": [inner, {"type": "null"}]});
        required(s).retain(|r| r != "page_title");
    });
    assert_eq!(rule, Rule::RequiredToOptional);
    assert_eq!(passes, BACKWARD_ONLY);
}

#[test]
fn narrowing_a_bound_breaks_backward_widening_breaks_forward() {
    let (path, rule, passes) = single("search.v1", |s| {
        props(s)["results_page"]["maximum"] = json!(100);
    });
    assert_eq!(path, "$.results_page");
    assert_eq!(
        rule,
        Rule::BoundNarrowed {
            keyword: "maximum".into(),
            from: "1000".into(),
            to: "100".into()
        }
    );
    assert_eq!(passes, FORWARD_ONLY);

    let (_, rule, passes) = single("search.v1", |s| {
        props(s)["query"]["maxLength"] = json!(1024);
    });
    assert!(matches!(rule, Rule::BoundWidened { ref keyword, .. } if keyword == "maxLength"));
    assert_eq!(passes, BACKWARD_ONLY);

    // A lower bound raised narrows; a bound added narrows.
    let (_, rule, passes) = single("search.v1", |s| {
        props(s)["results_page"]["minimum"] = json!(2);
    });
    assert!(matches!(rule, Rule::BoundNarrowed { .. }));
    assert_eq!(passes, FORWARD_ONLY);
    let (_, rule, _) = single("page_view.v1", |s| {
        props(s)["page_url"]["minLength"] = json!(10);
    });
    assert!(matches!(rule, Rule::BoundNarrowed { ref from, .. } if from == "none"));
}

#[test]
fn bounds_inside_lists_of_records_are_checked() {
    let (path, rule, passes) = single("purchase.v1", |s| {
        props(s)["items"]["items"]["properties"]["quantity"]["maximum"] = json!(10);
    });
    assert_eq!(path, "$.items[].quantity");
    assert!(matches!(rule, Rule::BoundNarrowed { .. }));
    assert_eq!(passes, FORWARD_ONLY);
}

#[test]
fn narrowing_an_enum_breaks_backward_widening_breaks_forward() {
    let (path, rule, passes) = single("search.v1", |s| {
        props(s)["platform"]["enum"] = json!(["web", "ios"]);
    });
    assert_eq!(path, "$.platform");
    assert_eq!(
        rule,
        Rule::EnumNarrowed {
            removed: vec!["android".into()]
        }
    );
    assert_eq!(passes, FORWARD_ONLY);

    let (_, rule, passes) = single("search.v1", |s| {
        props(s)["platform"]["enum"] = json!(["web", "ios", "android", "windows"]);
    });
    assert_eq!(
        rule,
        Rule::EnumWidened {
            added: vec!["windows".into()]
        }
    );
    assert_eq!(passes, BACKWARD_ONLY);
}

#[test]
fn adding_an_optional_field_is_backward_compatible_only() {
    let (path, rule, passes) = single("page_view.v1", |s| {
        props(s).insert(
            "language".into(),
            json!({"anyOf": [{"type": "string", "maxLength": 16}, {"type": "null"}]}),
        );
    });
    assert_eq!(path, "$.language");
    assert_eq!(rule, Rule::FieldAdded { required: false });
    // Old readers have a closed content model: they reject the new key (Confluent's FULL
    // fails it too).
    assert_eq!(passes, BACKWARD_ONLY);
}

#[test]
fn adding_a_required_field_breaks_every_mode() {
    let (_, rule, passes) = single("page_view.v1", |s| {
        props(s).insert("language".into(), json!({"type": "string"}));
        required(s).push(json!("language"));
    });
    assert_eq!(rule, Rule::FieldAdded { required: true });
    assert_eq!(passes, BREAKS_ALL);
}

#[test]
fn changing_a_pattern_breaks_every_mode() {
    let (_, rule, passes) = single("add_to_cart.v1", |s| {
        props(s)["currency"]["pattern"] = json!("^[A-Z]{3,4}$");
    });
    assert!(matches!(rule, Rule::PatternChanged { .. }));
    assert_eq!(passes, BREAKS_ALL);
}

#[test]
fn a_breaking_change_passes_as_a_new_version() {
    let old = registry_schemas();
    let mut new = old.clone();
    let mut v2 = new["search.v1"].clone();
    props(&mut v2).remove("results_count");
    required(&mut v2).retain(|r| r != "results_count");
    props(&mut v2)["schema_version"]["const"] = json!(2);
    new.insert("search.v2".into(), v2.clone());
    let report = Report::new(Mode::Full, "test".into(), &old, &new);
    assert_eq!(report.changes.len(), 1, "{:#?}", report.changes);
    assert_eq!(report.changes[0].rule, Rule::EventAdded);
    assert!(report.is_compatible());

    // Replacing v1 instead of adding v2 leaves v1's data without a reader.
    new.remove("search.v1");
    let report = Report::new(Mode::Full, "test".into(), &old, &new);
    assert!(!report.is_compatible());
    assert!(report.breaking().any(|c| c.rule == Rule::EventRemoved));
    for mode in [Mode::Backward, Mode::Forward] {
        assert!(!Report::new(mode, "t".into(), &old, &new).is_compatible());
    }
}

#[test]
fn the_registry_is_compatible_with_the_committed_exports() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../exports");
    let old = compat::load_dir(&dir).unwrap();
    assert_eq!(old.len(), behavior_schema::registry().len());
    let report = Report::new(Mode::Full, "exports".into(), &old, &registry_schemas());
    assert!(report.is_compatible(), "{report}");
    assert_eq!(report.changes, vec![], "{report}");
}

fn warehouse() -> Command {
    Command::new(env!("CARGO_BIN_EXE_warehouse"))
}

#[test]
fn the_command_reports_a_breaking_change_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    behavior_warehouse::Export::new(behavior_schema::registry())
        .write(dir.path())
        .unwrap();
    // The committed past allowed more result pages than the registry does now.
    let file = dir.path().join("json-schema/search.v1.json");
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    props(&mut schema)["results_page"]["maximum"] = json!(5000);
    std::fs::write(&file, serde_json::to_string_pretty(&schema).unwrap()).unwrap();

    let output = warehouse()
        .args(["check-compat", "--against"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("search.v1: BREAKING"), "{stdout}");
    assert!(
        stdout.contains("$.results_page: bound_narrowed (maximum 5000 → 1000) — breaks BACKWARD"),
        "{stdout}"
    );
    assert!(stdout.contains("page_view.v1: unchanged"), "{stdout}");

    // FORWARD: old readers accept everything the narrower schema writes.
    let output = warehouse()
        .args(["check-compat", "--mode", "forward", "--against"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn the_command_reads_a_git_revision() {
    let repo = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(repo.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {output:?}");
    };
    git(&["init", "-q"]);
    behavior_warehouse::Export::new(behavior_schema::registry())
        .write(&repo.path().join("exports"))
        .unwrap();
    git(&["add", "exports"]);
    git(&["commit", "-q", "-m", "exports"]);
    // The working copy drifts; the committed revision is what is compared.
    std::fs::remove_dir_all(repo.path().join("exports/json-schema")).unwrap();

    let output = warehouse()
        .args(["check-compat", "--against", "HEAD"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{output:?}");
    assert!(stdout.contains("exports/ at HEAD"), "{stdout}");
    assert!(
        stdout.contains("check-compat: compatible under FULL"),
        "{stdout}"
    );

    let output = warehouse()
        .args(["check-compat", "--against", "no-such-rev"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("git show no-such-rev"),
        "{output:?}"
    );
}
