//! The deployment agrees with the code. Parses `terraform/*.tf` (hcl-rs, offline: no provider,
//! no AWS) and fails when the Terraform and the converter disagree: the function's environment
//! variable names, the queue → event source mapping → function → lake wiring, partial batch
//! responses, the visibility timeout against the function timeout (the variable's validation is
//! evaluated), the IAM actions against the API calls the converter makes, and the alarm against
//! the metrics it emits. `scripts/deploy` and `buildspec.yml` are checked against what the
//! Terraform defines.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use behavior_converter::{BatchReport, contract, metrics};
use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl::{Block, Body, Expression, ObjectKey, Value};
use walkdir::WalkDir;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// Every `.tf` file of `terraform/`, parsed.
struct Terraform {
    files: Vec<(String, Body)>,
}

impl Terraform {
    fn load() -> Self {
        let dir = repo_root().join("terraform");
        let mut files: Vec<(String, Body)> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "tf"))
            .map(|path| {
                let text = std::fs::read_to_string(&path).expect("a readable .tf file");
                let body = hcl::parse(&text)
                    .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
                (
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    body,
                )
            })
            .collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(!files.is_empty(), "no .tf files in {}", dir.display());
        Self { files }
    }

    /// Top-level blocks of one kind (`resource`, `data`, `variable`, ...).
    fn blocks<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.files
            .iter()
            .flat_map(|(_, body)| body.blocks())
            .filter(move |block| block.identifier() == kind)
    }

    fn labelled<'a>(&'a self, kind: &'a str, labels: &[&str]) -> &'a Block {
        let found: Vec<&Block> = self
            .blocks(kind)
            .filter(|block| {
                block
                    .labels()
                    .iter()
                    .map(|l| l.as_str())
                    .eq(labels.iter().copied())
            })
            .collect();
        match found.as_slice() {
            [block] => block,
            [] => panic!("terraform/ has no {kind} {}", labels.join(".")),
            _ => panic!("terraform/ has {} {kind} {}", found.len(), labels.join(".")),
        }
    }

    fn resource(&self, ty: &str, name: &str) -> &Block {
        self.labelled("resource", &[ty, name])
    }

    fn data(&self, ty: &str, name: &str) -> &Block {
        self.labelled("data", &[ty, name])
    }

    fn variable(&self, name: &str) -> &Block {
        self.labelled("variable", &[name])
    }

    fn resources_of_type<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks("resource")
            .filter(move |block| block.labels().first().map(|l| l.as_str()) == Some(ty))
    }

    /// The expression of `local.<name>`.
    fn local(&self, name: &str) -> Option<&Expression> {
        self.blocks("locals")
            .flat_map(|block| block.body().attributes())
            .find(|attr| attr.key() == name)
            .map(|attr| attr.expr())
    }

    /// An expression's HCL text with every `local.<name>` replaced by its definition (in
    /// parentheses), so a check sees what a reference stands for.
    fn resolved(&self, expr: &str) -> String {
        let mut text = expr.to_string();
        for _ in 0..8 {
            let Some(start) = text.find("local.") else {
                break;
            };
            let name: String = text[start + "local.".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let definition = self
                .local(&name)
                .unwrap_or_else(|| panic!("local.{name} is not defined"))
                .to_string();
            text.replace_range(start..start + "local.".len() + name.len(), &definition);
        }
        text
    }

    /// A variable's default, evaluated (`null` when it has none).
    fn default(&self, name: &str) -> Value {
        attr_opt(self.variable(name).body(), "default")
            .map(|expr| {
                expr.evaluate(&Context::new())
                    .unwrap_or_else(|e| panic!("default of var.{name}: {e}"))
            })
            .unwrap_or(Value::Null)
    }

    fn default_number(&self, name: &str) -> f64 {
        self.default(name)
            .as_f64()
            .unwrap_or_else(|| panic!("var.{name} has no numeric default"))
    }

    /// `var` with every variable's default, then `overrides`.
    fn vars(&self, overrides: &[(&str, Value)]) -> Value {
        let mut vars = hcl::Map::new();
        for block in self.blocks("variable") {
            let name = block.labels()[0].as_str();
            vars.insert(name.to_string(), self.default(name));
        }
        for (name, value) in overrides {
            assert!(vars.contains_key(*name), "no variable {name}");
            vars.insert(name.to_string(), value.clone());
        }
        Value::Object(vars)
    }

    /// The `validation` conditions of a variable, evaluated with `var` = defaults + overrides.
    /// Terraform's functions are not all here: `can(regex(p, s))` becomes `regex_matches(p, s)`
    /// (the `regex` crate's syntax is RE2's, as Terraform's is), and any other function fails
    /// the evaluation loudly.
    fn validations_pass(&self, name: &str, overrides: &[(&str, Value)]) -> Option<bool> {
        let conditions: Vec<Expression> = self
            .variable(name)
            .body()
            .blocks()
            .filter(|block| block.identifier() == "validation")
            .map(|block| {
                let condition = without_can_regex(&attr(block.body(), "condition").to_string());
                let body: Body = hcl::from_str(&format!("condition = {condition}\n"))
                    .unwrap_or_else(|e| panic!("var.{name}: {condition}: {e}"));
                attr(&body, "condition").clone()
            })
            .collect();
        if conditions.is_empty() {
            return None;
        }
        let mut ctx = Context::new();
        ctx.declare_var("var", self.vars(overrides));
        ctx.declare_func(
            "floor",
            FuncDef::builder()
                .param(ParamType::Number)
                .build(|args: FuncArgs| {
                    Ok(Value::from(args[0].as_f64().ok_or("not a number")?.floor()))
                }),
        );
        ctx.declare_func(
            "contains",
            FuncDef::builder()
                .param(ParamType::Array(Box::new(ParamType::Any)))
                .param(ParamType::Any)
                .build(|args: FuncArgs| {
                    let list = args[0].as_array().ok_or("not a list")?;
                    Ok(Value::from(list.contains(&args[1])))
                }),
        );
        ctx.declare_func(
            "regex_matches",
            FuncDef::builder()
                .param(ParamType::String)
                .param(ParamType::Any)
                .build(|args: FuncArgs| {
                    let pattern = args[0].as_str().ok_or("not a string")?;
                    let regex = regex::Regex::new(pattern).map_err(|e| e.to_string())?;
                    // `regex` fails on anything but a string (null too: HCL's `||` evaluates
                    // both sides), which `can` turns into false.
                    Ok(Value::from(
                        args[1].as_str().is_some_and(|s| regex.is_match(s)),
                    ))
                }),
        );
        ctx.declare_func(
            "alltrue",
            FuncDef::builder()
                .param(ParamType::Array(Box::new(ParamType::Bool)))
                .build(|args: FuncArgs| {
                    let list = args[0].as_array().ok_or("not a list")?;
                    Ok(Value::from(list.iter().all(|v| v.as_bool() == Some(true))))
                }),
        );
        Some(conditions.iter().all(|condition| {
            condition
                .evaluate(&ctx)
                .unwrap_or_else(|e| panic!("validation of var.{name}: {condition}: {e}"))
                .as_bool()
                .unwrap_or_else(|| panic!("validation of var.{name} is not a boolean"))
        }))
    }
}

/// `condition` with each `can(regex(p, s))` written `regex_matches(p, s)`: true where
/// Terraform's `regex` finds a match, false where it would fail. Another use of `can` panics.
fn without_can_regex(condition: &str) -> String {
    const CALL: &str = "can(regex(";
    let mut out = String::new();
    let (mut depth, mut drops) = (0usize, Vec::new());
    let (mut in_string, mut escaped) = (false, false);
    let mut rest = condition;
    while let Some(c) = rest.chars().next() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if rest.starts_with(CALL) {
            out.push_str("regex_matches(");
            // The `)` that brings the depth back to here closes `can(`: dropped.
            drops.push(depth);
            depth += 2;
            rest = &rest[CALL.len()..];
            continue;
        } else if rest.starts_with("can(") {
            panic!("only can(regex(...)) is evaluated here: {condition}");
        } else {
            match c {
                '"' => in_string = true,
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if drops.last() == Some(&depth) {
                        drops.pop();
                        rest = &rest[1..];
                        continue;
                    }
                }
                _ => {}
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[test]
fn can_regex_is_rewritten_around_strings_holding_parentheses() {
    assert_eq!(
        without_can_regex(r#"var.x == "" || can(regex("^(a|b)\\)\"$", var.x))"#),
        r#"var.x == "" || regex_matches("^(a|b)\\)\"$", var.x)"#
    );
    assert_eq!(
        without_can_regex(r#"alltrue([for a in var.l : can(regex("^arn:", a))])"#),
        r#"alltrue([for a in var.l : regex_matches("^arn:", a)])"#
    );
}

fn attr_opt<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.attributes()
        .find(|attr| attr.key() == key)
        .map(|attr| attr.expr())
}

fn attr<'a>(body: &'a Body, key: &str) -> &'a Expression {
    attr_opt(body, key).unwrap_or_else(|| panic!("no attribute {key}"))
}

fn nested<'a>(body: &'a Body, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    body.blocks()
        .filter(move |block| block.identifier() == kind)
}

fn one_nested<'a>(body: &'a Body, kind: &'a str) -> &'a Block {
    let found: Vec<&Block> = nested(body, kind).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {kind} block, found {}",
        found.len()
    );
    found[0]
}

fn text(expr: &Expression) -> String {
    expr.to_string()
}

/// The items of an array expression, as HCL text.
fn texts(expr: &Expression) -> Vec<String> {
    match expr {
        Expression::Array(items) => items.iter().map(text).collect(),
        other => panic!("not a list: {other}"),
    }
}

fn key_name(key: &ObjectKey) -> String {
    match key {
        ObjectKey::Identifier(ident) => ident.to_string(),
        ObjectKey::Expression(Expression::String(s)) => s.clone(),
        other => other.to_string(),
    }
}

/// The entries of an object expression (`{ a = x }`, or the argument of `jsonencode({...})`).
fn object(expr: &Expression) -> Vec<(String, &Expression)> {
    match expr {
        Expression::Object(object) => object.iter().map(|(k, v)| (key_name(k), v)).collect(),
        Expression::FuncCall(call) if call.name.to_string() == "jsonencode" => {
            object(&call.args[0])
        }
        other => panic!("not an object: {other}"),
    }
}

fn entry<'a>(entries: &[(String, &'a Expression)], key: &str) -> &'a Expression {
    entries
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("no key {key}"))
}

/// The string literals of an array expression.
fn strings(expr: &Expression) -> Vec<String> {
    match expr {
        Expression::Array(items) => items
            .iter()
            .map(|item| match item {
                Expression::String(s) => s.clone(),
                other => panic!("not a string literal: {other}"),
            })
            .collect(),
        other => panic!("not a list: {other}"),
    }
}

fn set<I, S>(items: I) -> BTreeSet<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

/// Statements of an `aws_iam_policy_document` data source: (effect, actions, resources as text).
fn statements(document: &Block) -> Vec<(String, Vec<String>, Vec<String>)> {
    nested(document.body(), "statement")
        .map(|statement| {
            let body = statement.body();
            let effect = attr_opt(body, "effect")
                .map(text)
                .unwrap_or_else(|| "\"Allow\"".into())
                .trim_matches('"')
                .to_string();
            let actions = strings(attr(body, "actions"));
            let resources = attr_opt(body, "resources").map(texts).unwrap_or_default();
            (effect, actions, resources)
        })
        .collect()
}

/// Actions that accept no resource but `*` (X-Ray writes, the ECR login token).
const UNSCOPABLE_ACTIONS: [&str; 3] = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "ecr:GetAuthorizationToken",
];

/// What the Lambda platform does with the function's role besides the converter's own calls:
/// write its log group, and send traces (tracing is on).
const PLATFORM_ACTIONS: [&str; 4] = [
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
];

#[test]
fn the_function_gets_exactly_the_environment_the_converter_reads() {
    let tf = Terraform::load();
    let function = tf.resource("aws_lambda_function", "converter");
    let environment = one_nested(function.body(), "environment");
    let variables = object(attr(environment.body(), "variables"));
    let names = set(variables.iter().map(|(k, _)| k.clone()));
    let expected = set(contract::LAMBDA_ENV);
    assert_eq!(
        names,
        expected,
        "aws_lambda_function.converter's environment names differ from contract::LAMBDA_ENV \
         (missing: {:?}, extra: {:?})",
        expected.difference(&names).collect::<Vec<_>>(),
        names.difference(&expected).collect::<Vec<_>>()
    );

    // LAKE_URI is s3://<the lake bucket>/<the lake prefix>: the same bucket and prefix the
    // role may write (checked in iam_grants_exactly_the_calls_the_converter_makes).
    let lake_uri = text(entry(&variables, contract::ENV_LAKE_URI));
    for part in ["s3://", "aws_s3_bucket.lake.", "var.lake_prefix"] {
        assert!(
            lake_uri.contains(part),
            "LAKE_URI = {lake_uri} lacks {part}"
        );
    }
    assert_eq!(text(entry(&variables, contract::ENV_LOG)), "var.log_level");
    assert!(text(entry(&variables, contract::ENV_MAX_EVENT_BYTES)).contains("var.max_event_bytes"));
    assert!(text(entry(&variables, contract::ENV_MAX_BODY_BYTES)).contains("var.max_body_bytes"));

    // The deployment's limits default to the converter's own.
    let limits = behavior_runtime::Limits::default();
    assert_eq!(
        tf.default_number("max_event_bytes"),
        limits.max_event_bytes as f64
    );
    assert_eq!(
        tf.default_number("max_body_bytes"),
        limits.max_body_bytes as f64
    );
}

#[test]
fn the_queue_feeds_the_function_which_writes_the_lake() {
    let tf = Terraform::load();
    let mappings: Vec<&Block> = tf
        .resources_of_type("aws_lambda_event_source_mapping")
        .collect();
    assert_eq!(mappings.len(), 1, "expected one event source mapping");
    let mapping = mappings[0].body();
    assert_eq!(
        text(attr(mapping, "event_source_arn")),
        "aws_sqs_queue.events.arn"
    );
    assert!(
        text(attr(mapping, "function_name")).starts_with("aws_lambda_function.converter"),
        "the mapping invokes {}",
        text(attr(mapping, "function_name"))
    );
    for (attribute, variable) in [
        ("batch_size", "var.batch_size"),
        (
            "maximum_batching_window_in_seconds",
            "var.batching_window_seconds",
        ),
    ] {
        assert_eq!(text(attr(mapping, attribute)), variable);
    }
    let scaling = one_nested(mapping, "scaling_config");
    assert_eq!(
        text(attr(scaling.body(), "maximum_concurrency")),
        "var.maximum_concurrency"
    );
    // The mapping and the function exist together.
    let function = tf.resource("aws_lambda_function", "converter").body();
    assert_eq!(text(attr(mapping, "count")), text(attr(function, "count")));

    // The function runs the repository's image, with its own role and log group.
    let image_uri = text(attr(function, "image_uri"));
    assert!(
        image_uri.contains("aws_ecr_repository.converter.repository_url")
            && image_uri.contains("var.image_tag"),
        "image_uri = {image_uri}"
    );
    assert_eq!(text(attr(function, "package_type")), "\"Image\"");
    assert_eq!(text(attr(function, "role")), "aws_iam_role.converter.arn");
    let logging = one_nested(function, "logging_config");
    assert_eq!(text(attr(logging.body(), "log_format")), "\"JSON\"");
    assert_eq!(
        text(attr(logging.body(), "log_group")),
        "aws_cloudwatch_log_group.converter.name"
    );
    let role_policy = tf.resource("aws_iam_role_policy", "converter").body();
    assert_eq!(text(attr(role_policy, "role")), "aws_iam_role.converter.id");
    assert_eq!(
        text(attr(role_policy, "policy")),
        "data.aws_iam_policy_document.converter.json"
    );

    // The events queue dead-letters into the dead-letter queue, which accepts only it.
    let events = tf.resource("aws_sqs_queue", "events").body();
    let redrive = object(attr(events, "redrive_policy"));
    assert_eq!(
        text(entry(&redrive, "deadLetterTargetArn")),
        "aws_sqs_queue.dead_letter.arn"
    );
    assert_eq!(
        text(entry(&redrive, "maxReceiveCount")),
        "var.max_receive_count"
    );
    let allow = tf
        .resource("aws_sqs_queue_redrive_allow_policy", "dead_letter")
        .body();
    assert_eq!(
        text(attr(allow, "queue_url")),
        "aws_sqs_queue.dead_letter.id"
    );
    let allow_policy = object(attr(allow, "redrive_allow_policy"));
    assert_eq!(
        text(entry(&allow_policy, "redrivePermission")),
        "\"byQueue\""
    );
    assert_eq!(
        texts(entry(&allow_policy, "sourceQueueArns")),
        ["aws_sqs_queue.events.arn"]
    );

    // Both queues are encrypted and size their messages explicitly; the converter accepts the
    // largest message the queue does.
    for name in ["events", "dead_letter"] {
        let queue = tf.resource("aws_sqs_queue", name).body();
        assert_eq!(text(attr(queue, "sqs_managed_sse_enabled")), "true");
        assert_eq!(
            text(attr(queue, "max_message_size")),
            "var.queue_max_message_bytes"
        );
    }
    assert_eq!(tf.default_number("queue_max_message_bytes"), 262_144.0);
    assert!(tf.default_number("max_body_bytes") >= tf.default_number("queue_max_message_bytes"));

    // The alarms watch these queues and this function.
    let watched = |alarm: &str, key: &str| -> String {
        let body = tf.resource("aws_cloudwatch_metric_alarm", alarm).body();
        text(entry(&object(attr(body, "dimensions")), key))
    };
    assert_eq!(
        watched("dead_letter_not_empty", "QueueName"),
        "aws_sqs_queue.dead_letter.name"
    );
    assert_eq!(
        watched("oldest_message_age", "QueueName"),
        "aws_sqs_queue.events.name"
    );
    assert_eq!(
        watched("function_errors", "FunctionName"),
        text(attr(function, "function_name"))
    );
}

#[test]
fn partial_batch_responses_are_enabled() {
    let tf = Terraform::load();
    let mapping = tf
        .resource("aws_lambda_event_source_mapping", "events")
        .body();
    let types = strings(attr(mapping, "function_response_types"));
    assert!(
        types.iter().any(|t| t == contract::FUNCTION_RESPONSE_TYPE),
        "function_response_types = {types:?} lacks {}: Lambda would delete the messages the \
         converter reports as failed",
        contract::FUNCTION_RESPONSE_TYPE
    );
}

#[test]
fn the_visibility_timeout_is_at_least_six_function_timeouts() {
    let tf = Terraform::load();
    let events = tf.resource("aws_sqs_queue", "events").body();
    assert_eq!(
        text(attr(events, "visibility_timeout_seconds")),
        "var.queue_visibility_timeout_seconds"
    );
    let function = tf.resource("aws_lambda_function", "converter").body();
    assert_eq!(
        text(attr(function, "timeout")),
        "var.function_timeout_seconds"
    );

    let timeout = tf.default_number("function_timeout_seconds");
    let window = tf.default_number("batching_window_seconds");
    let visibility = tf.default_number("queue_visibility_timeout_seconds");
    assert!(
        visibility >= 6.0 * timeout + window,
        "default visibility {visibility} s < 6 x {timeout} s + {window} s"
    );

    // The rule is enforced by the variable's validation, not just by the defaults.
    let check = |visibility: f64, timeout: f64, window: f64| {
        tf.validations_pass(
            "queue_visibility_timeout_seconds",
            &[
                ("queue_visibility_timeout_seconds", Value::from(visibility)),
                ("function_timeout_seconds", Value::from(timeout)),
                ("batching_window_seconds", Value::from(window)),
            ],
        )
        .expect("queue_visibility_timeout_seconds has a validation")
    };
    assert!(
        check(visibility, timeout, window),
        "the defaults fail the validation"
    );
    for (timeout, window) in [(60.0, 10.0), (60.0, 0.0), (900.0, 0.0), (1.0, 300.0)] {
        let minimum = 6.0 * timeout + window;
        assert!(
            check(minimum, timeout, window),
            "{minimum} s rejected for {timeout} s + {window} s"
        );
        assert!(
            !check(minimum - 1.0, timeout, window),
            "{} s accepted for a {timeout} s function with a {window} s window",
            minimum - 1.0
        );
    }
}

/// The contract's action lists are kept by hand; this keeps them true to the code: every AWS
/// SDK call in the converter's source (`client.<operation>()`) maps to an action the contract
/// lists, and every listed action is needed by a call. A new call fails here until its IAM
/// action is in `converter/src/contract.rs` (and so, by the test below, in the role).
#[test]
fn the_contract_lists_the_actions_of_every_sdk_call_in_the_converter() {
    // Operation → the IAM action that authorizes it (batch and multipart calls are authorized
    // as their single or whole-object counterparts).
    let action_of = |operation: &str| -> &'static str {
        match operation {
            "head_bucket" => "s3:ListBucket",
            "put_object"
            | "create_multipart_upload"
            | "upload_part"
            | "complete_multipart_upload" => "s3:PutObject",
            "abort_multipart_upload" => "s3:AbortMultipartUpload",
            "receive_message" => "sqs:ReceiveMessage",
            "delete_message_batch" => "sqs:DeleteMessage",
            "change_message_visibility_batch" => "sqs:ChangeMessageVisibility",
            "get_queue_attributes" => "sqs:GetQueueAttributes",
            other => panic!(
                "the converter calls {other}: add its IAM action to converter/src/contract.rs \
                 and to this table"
            ),
        }
    };
    let call = regex::Regex::new(r"client\s*\.\s*([a-z_]+)\(\)").unwrap();
    let mut called = BTreeSet::new();
    for entry in WalkDir::new(repo_root().join("converter/src")) {
        let path = entry.unwrap().into_path();
        if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).unwrap();
            for found in call.captures_iter(&source) {
                called.insert(action_of(&found[1]).to_string());
            }
        }
    }
    assert!(called.len() >= 7, "found calls for only {called:?}");
    let listed = set(contract::S3_ACTIONS
        .iter()
        .chain(&contract::SQS_POLL_ACTIONS)
        .copied());
    assert_eq!(called, listed, "actions the code calls vs the contract's");
}

#[test]
fn iam_grants_exactly_the_calls_the_converter_makes() {
    let tf = Terraform::load();
    let policy = tf.data("aws_iam_policy_document", "converter");
    let converter = statements(policy);
    let granted = set(converter
        .iter()
        .filter(|(effect, _, _)| effect == "Allow")
        .flat_map(|(_, actions, _)| actions.iter().cloned()));
    let expected = set(contract::S3_ACTIONS
        .iter()
        .chain(&contract::SQS_EVENT_SOURCE_ACTIONS)
        .chain(&PLATFORM_ACTIONS)
        .copied());
    assert_eq!(
        granted,
        expected,
        "the converter's role (missing: {:?}, extra: {:?})",
        expected.difference(&granted).collect::<Vec<_>>(),
        granted.difference(&expected).collect::<Vec<_>>()
    );

    // Each action on the resource it concerns.
    let resources_of = |action: &str| -> Vec<String> {
        let found: Vec<&Vec<String>> = converter
            .iter()
            .filter(|(_, actions, _)| actions.iter().any(|a| a == action))
            .map(|(_, _, resources)| resources)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "{action} is granted by {} statements",
            found.len()
        );
        found[0].clone()
    };
    for action in contract::SQS_EVENT_SOURCE_ACTIONS {
        assert_eq!(
            resources_of(action),
            ["aws_sqs_queue.events.arn"],
            "{action}"
        );
    }
    assert_eq!(resources_of("s3:ListBucket"), ["aws_s3_bucket.lake.arn"]);
    for action in ["s3:PutObject", "s3:AbortMultipartUpload"] {
        let resources = resources_of(action);
        assert_eq!(resources.len(), 1, "{action}: {resources:?}");
        let resource = tf.resolved(&resources[0]);
        assert!(
            resource.contains("aws_s3_bucket.lake.arn") && resource.contains("var.lake_prefix}/*"),
            "{action} on {resource}: not the lake prefix"
        );
    }
    for action in ["logs:CreateLogStream", "logs:PutLogEvents"] {
        let resources = resources_of(action);
        assert!(
            resources.len() == 1 && resources[0].contains("aws_cloudwatch_log_group.converter.arn"),
            "{action} on {resources:?}: not the function's log group"
        );
    }

    // Everywhere: no wildcard actions allowed, and `*` resources only where nothing else works.
    let documents: Vec<&Block> = tf
        .blocks("data")
        .filter(|block| block.labels()[0].as_str() == "aws_iam_policy_document")
        .collect();
    assert!(
        documents.len() >= 4,
        "found {} policy documents",
        documents.len()
    );
    for document in documents {
        let name = document.labels()[1].as_str();
        for (effect, actions, resources) in statements(document) {
            if effect != "Allow" {
                continue;
            }
            for action in &actions {
                assert!(!action.contains('*'), "{name}: wildcard action {action}");
            }
            if resources.iter().any(|r| r.contains("\"*\"")) {
                for action in &actions {
                    assert!(
                        UNSCOPABLE_ACTIONS.contains(&action.as_str()),
                        "{name}: {action} on \"*\""
                    );
                }
            }
        }
    }
    // Every inline role policy and managed policy (the producers') is one of those documents
    // (so nothing escapes the checks).
    let policies: Vec<_> = tf
        .resources_of_type("aws_iam_role_policy")
        .chain(tf.resources_of_type("aws_iam_policy"))
        .collect();
    for policy in policies {
        let document = text(attr(policy.body(), "policy"));
        assert!(
            document.starts_with("data.aws_iam_policy_document.") && document.ends_with(".json"),
            "{}.{} is not a policy document: {document}",
            policy.labels()[0].as_str(),
            policy.labels()[1].as_str()
        );
    }
    // Producers may send to the events queue and read its size limit (the generator's
    // start-up check), nothing else.
    let producer = set(statements(tf.data("aws_iam_policy_document", "producer"))
        .into_iter()
        .flat_map(|(_, actions, _)| actions));
    assert_eq!(
        producer,
        set([
            "sqs:SendMessage",
            "sqs:GetQueueUrl",
            "sqs:GetQueueAttributes"
        ])
    );
    assert_eq!(
        tf.resources_of_type("aws_iam_role_policy_attachment")
            .count(),
        0
    );

    // Snowflake reads, nothing more.
    let snowflake = set(statements(tf.data("aws_iam_policy_document", "snowflake"))
        .into_iter()
        .flat_map(|(_, actions, _)| actions));
    let read_only = set([
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:ListBucket",
        "s3:GetBucketLocation",
    ]);
    assert!(
        snowflake.is_subset(&read_only),
        "the Snowflake role may {:?}",
        snowflake.difference(&read_only).collect::<Vec<_>>()
    );
}

#[test]
fn the_rejected_rate_alarm_reads_the_metrics_the_converter_emits() {
    let line = metrics::summary_line(&BatchReport::default(), contract::METRICS_SERVICE_LAMBDA, 0);
    let emf: serde_json::Value = serde_json::from_str(&line).expect("the summary line is JSON");
    let directive = &emf["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], metrics::NAMESPACE);
    assert_eq!(directive["Dimensions"], serde_json::json!([["service"]]));
    let emitted = set(directive["Metrics"]
        .as_array()
        .expect("a metric list")
        .iter()
        .map(|m| m["Name"].as_str().expect("a metric name").to_string()));

    let tf = Terraform::load();
    let alarm = tf
        .resource("aws_cloudwatch_metric_alarm", "rejected_rate")
        .body();
    let mut ids = BTreeSet::new();
    let mut expression = String::new();
    for query in nested(alarm, "metric_query") {
        let id = text(attr(query.body(), "id")).trim_matches('"').to_string();
        match nested(query.body(), "metric").next() {
            Some(metric) => {
                let metric = metric.body();
                assert_eq!(
                    text(attr(metric, "namespace")),
                    format!("{:?}", metrics::NAMESPACE)
                );
                let name = text(attr(metric, "metric_name"))
                    .trim_matches('"')
                    .to_string();
                assert!(
                    emitted.contains(&name),
                    "the converter emits no metric {name}"
                );
                let dimensions = object(attr(metric, "dimensions"));
                assert_eq!(dimensions.len(), 1, "dimensions {dimensions:?}");
                assert_eq!(dimensions[0].0, "service");
                assert_eq!(
                    text(dimensions[0].1),
                    format!("{:?}", contract::METRICS_SERVICE_LAMBDA)
                );
                assert_eq!(text(attr(metric, "stat")), "\"Sum\"");
                ids.insert((id, name));
            }
            None => expression = text(attr(query.body(), "expression")),
        }
    }
    let names: BTreeSet<&str> = ids.iter().map(|(_, name)| name.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["received", "rejected"]));
    for (id, _) in &ids {
        assert!(
            expression.contains(id.as_str()),
            "{expression} does not use {id}"
        );
    }
    let rejected = ids.iter().find(|(_, name)| name == "rejected").unwrap();
    let received = ids.iter().find(|(_, name)| name == "received").unwrap();
    assert!(
        expression.contains(&format!("{} / {}", rejected.0, received.0)),
        "{expression} is not rejected / received"
    );
}

#[test]
fn variable_defaults_pass_their_own_validations() {
    let tf = Terraform::load();
    let mut checked = 0;
    for block in tf.blocks("variable") {
        let name = block.labels()[0].as_str();
        assert!(
            attr_opt(block.body(), "description").is_some(),
            "var.{name} has no description"
        );
        // A variable without a default (image_tag) is always given a value.
        if attr_opt(block.body(), "default").is_none() {
            continue;
        }
        if let Some(pass) = tf.validations_pass(name, &[]) {
            assert!(pass, "var.{name}'s default fails its validation");
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} validations evaluated");
    // Cross-variable rules that reject what AWS would.
    assert_eq!(
        tf.validations_pass("batch_size", &[("batching_window_seconds", Value::from(0))]),
        Some(false),
        "batch_size 1000 without a batching window must be rejected"
    );
    assert_eq!(
        tf.validations_pass(
            "maximum_concurrency",
            &[("reserved_concurrency", Value::from(2))]
        ),
        Some(false),
        "maximum_concurrency above reserved_concurrency must be rejected"
    );
}

/// The validations `terraform validate` would run (it cannot here: no providers), on values a
/// user could type: each malformed one is rejected, a well-formed one accepted.
#[test]
fn validations_reject_malformed_values() {
    let tf = Terraform::load();
    let arn = |s: &str| Value::from(s);
    for (name, bad, good) in [
        ("region", Value::from("US-EAST-1"), Value::from("eu-west-1")),
        (
            "name",
            Value::from("Behavior_Events"),
            Value::from("behavior-events"),
        ),
        (
            "image_tag",
            Value::from("-v1 x"),
            Value::from("v1.2.3-x86_64"),
        ),
        (
            "log_level",
            Value::from("info; rm"),
            Value::from("info,behavior=debug"),
        ),
        (
            "lake_prefix",
            Value::from("/events"),
            Value::from("events/raw"),
        ),
        (
            "snowpipe_sqs_arn",
            arn("arn:aws:sns:us-east-1:123456789012:snowpipe"),
            arn("arn:aws:sqs:us-east-1:123456789012:sf-snowpipe-AIDA"),
        ),
        (
            "snowflake_principal_arn",
            arn("arn:aws:iam::123:user/sf"),
            arn("arn:aws:iam::123456789012:user/sf"),
        ),
        (
            "alarm_email",
            Value::from("ops"),
            Value::from("ops@example.com"),
        ),
        (
            "alarm_actions",
            Value::from(vec![Value::from("sns:ops")]),
            Value::from(vec![arn("arn:aws:sns:us-east-1:123456789012:ops")]),
        ),
    ] {
        let pass = |value: &Value| {
            tf.validations_pass(name, &[(name, value.clone())])
                .unwrap_or_else(|| panic!("var.{name} has no validation"))
        };
        assert!(!pass(&bad), "var.{name} = {bad:?} passes its validation");
        assert!(pass(&good), "var.{name} = {good:?} fails its validation");
    }
}

#[test]
fn the_deploy_script_and_the_build_use_what_terraform_defines() {
    let tf = Terraform::load();
    let root = repo_root();
    let deploy = std::fs::read_to_string(root.join("scripts/deploy")).expect("scripts/deploy");
    let outputs = set(tf
        .blocks("output")
        .map(|b| b.labels()[0].as_str().to_string()));
    let mut read = 0;
    for (at, _) in deploy.match_indices("output -raw ") {
        let name: String = deploy[at + "output -raw ".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        assert!(
            outputs.contains(&name),
            "scripts/deploy reads output {name}, which terraform/ lacks"
        );
        read += 1;
    }
    assert!(read >= 8, "scripts/deploy reads {read} outputs");
    let variables = set(tf
        .blocks("variable")
        .map(|b| b.labels()[0].as_str().to_string()));
    let mut set_vars = 0;
    for (at, _) in deploy.match_indices("-var ") {
        let rest = deploy[at + "-var ".len()..].trim_start_matches('"');
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        assert!(
            variables.contains(&name),
            "scripts/deploy sets var {name}, which terraform/ lacks"
        );
        set_vars += 1;
    }
    assert!(set_vars >= 5, "scripts/deploy sets {set_vars} vars");

    // The build's environment: the project's variables, what scripts/deploy sets per build,
    // the buildspec's own and the build host's.
    let project = tf.resource("aws_codebuild_project", "image");
    let environment = one_nested(project.body(), "environment");
    let mut defined = set(nested(environment.body(), "environment_variable")
        .map(|v| text(attr(v.body(), "name")).trim_matches('"').to_string()));
    let function_name = nested(environment.body(), "environment_variable")
        .find(|v| text(attr(v.body(), "name")) == "\"FUNCTION_NAME\"")
        .map(|v| text(attr(v.body(), "value")))
        .expect("the build knows the function's name");
    assert_eq!(
        function_name,
        text(attr(
            tf.resource("aws_lambda_function", "converter").body(),
            "function_name"
        ))
    );
    for (at, _) in deploy.match_indices("\"name=") {
        let name: String = deploy[at + "\"name=".len()..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
            .collect();
        defined.insert(name);
    }
    let buildspec = std::fs::read_to_string(root.join("buildspec.yml")).expect("buildspec.yml");
    for line in buildspec.lines() {
        let line = line.trim();
        if let Some((name, _)) = line.split_once(": ")
            && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
            && !name.is_empty()
        {
            defined.insert(name.to_string());
        }
    }
    let host = ["HOME", "PATH"];
    let mut used = BTreeSet::new();
    for (at, _) in buildspec.match_indices('$') {
        let name: String = buildspec[at + 1..]
            .trim_start_matches('{')
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        if !name.is_empty() && !host.contains(&name.as_str()) && !name.starts_with("AWS_") {
            used.insert(name);
        }
    }
    let undefined: Vec<&String> = used.difference(&defined).collect();
    assert!(
        undefined.is_empty(),
        "buildspec.yml uses undefined {undefined:?}"
    );
    for name in [
        "ARCH",
        "REPOSITORY_URI",
        "FUNCTION_NAME",
        "IMAGE_TAG",
        "UPDATE_FUNCTION",
    ] {
        assert!(used.contains(name), "buildspec.yml does not use {name}");
    }

    // The image is the converter binary, built with a profile that exists.
    let dockerfile =
        std::fs::read_to_string(root.join("Dockerfile.lambda")).expect("Dockerfile.lambda");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    assert!(manifest.contains("[profile.dist]"));
    assert!(dockerfile.contains("--profile dist") && dockerfile.contains("--bin converter"));
    assert!(dockerfile.contains("/src/target/dist/converter ${LAMBDA_RUNTIME_DIR}/bootstrap"));
    assert!(dockerfile.contains("FROM public.ecr.aws/lambda/provided:al2023"));
}
