//! A corpus of invalid events, one or more per rule: each is rejected by the exported JSON
//! Schema and by the direct decoder, and the decoder's error names the kind and field path.
//! Also: a bad event in a multi-event body does not affect its neighbours.

use behavior_runtime::{BatchDecoder, ErrorKind, Faker, Limits, Outcome};
use serde_json::{Value, json};

/// Validates against "one of the registered event schemas", as a warehouse loader would.
fn any_event_schema() -> jsonschema::Validator {
    let schemas: Vec<Value> = behavior_schema::registry()
        .descriptors()
        .map(|d| d.json_schema())
        .collect();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&json!({ "anyOf": schemas }))
        .unwrap()
}

fn fake(event_type: &str) -> serde_json::Map<String, Value> {
    let registry = behavior_schema::registry();
    let kind = registry
        .kinds()
        .iter()
        .find(|k| k.descriptor().event_type == event_type)
        .unwrap();
    let mut out = Vec::new();
    kind.fake_json(&mut Faker::new(7), &mut out);
    match serde_json::from_slice(&out).unwrap() {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

fn with(event_type: &str, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Vec<u8> {
    let mut event = fake(event_type);
    edit(&mut event);
    serde_json::to_vec(&event).unwrap()
}

struct Case {
    name: &'static str,
    body: Vec<u8>,
    kind: ErrorKind,
    path: &'static str,
}

fn corpus() -> Vec<Case> {
    let valid = with("add_to_cart", |_| {});
    let mut deep = String::from("{\"nested\":");
    deep.push_str(&"[".repeat(40));
    deep.push_str(&"]".repeat(40));
    deep.push_str(",\"event_type\":\"add_to_cart\"}");
    let mut bad_utf8 = with("add_to_cart", |e| {
        e.insert("sku".into(), json!("SKU-\u{00e9}"));
    });
    let at = bad_utf8
        .windows(2)
        .position(|w| w == "\u{00e9}".as_bytes())
        .unwrap();
    bad_utf8[at] = 0xff;
    vec![
        Case {
            name: "truncated JSON",
            // Cut inside the sku's value: the error names the field it broke off in.
            body: {
                let at = valid.windows(7).position(|w| w == b"\"sku\":\"").unwrap() + 10;
                valid[..at].to_vec()
            },
            kind: ErrorKind::MalformedJson,
            path: "$.sku",
        },
        Case {
            name: "not JSON",
            body: b"event_type=page_view".to_vec(),
            kind: ErrorKind::MalformedJson,
            path: "$",
        },
        Case {
            name: "invalid UTF-8",
            body: bad_utf8,
            kind: ErrorKind::InvalidUtf8,
            path: "$.sku",
        },
        Case {
            name: "epoch-number timestamp",
            body: with("add_to_cart", |e| {
                e.insert("event_time".into(), json!(1_767_225_600));
            }),
            kind: ErrorKind::WrongType,
            path: "$.event_time",
        },
        Case {
            name: "string where an integer belongs",
            body: with("add_to_cart", |e| {
                e.insert("quantity".into(), json!("3"));
            }),
            kind: ErrorKind::WrongType,
            path: "$.quantity",
        },
        Case {
            name: "missing required field",
            body: with("add_to_cart", |e| {
                e.remove("event_id");
            }),
            kind: ErrorKind::MissingField,
            path: "$.event_id",
        },
        Case {
            name: "out of range",
            body: with("add_to_cart", |e| {
                e.insert("quantity".into(), json!(1000));
            }),
            kind: ErrorKind::OutOfRange,
            path: "$.quantity",
        },
        Case {
            name: "negative money",
            body: with("add_to_cart", |e| {
                e.insert("unit_price".into(), json!(-1.5));
            }),
            kind: ErrorKind::OutOfRange,
            path: "$.unit_price",
        },
        Case {
            name: "unknown event_type",
            body: with("add_to_cart", |e| {
                e.insert("event_type".into(), json!("add_to_basket"));
            }),
            kind: ErrorKind::UnknownEventType,
            path: "$.event_type",
        },
        Case {
            name: "mixed-case event_type",
            body: with("add_to_cart", |e| {
                e.insert("event_type".into(), json!("Add_To_Cart"));
            }),
            kind: ErrorKind::UnknownEventType,
            path: "$.event_type",
        },
        Case {
            name: "unknown field",
            body: with("add_to_cart", |e| {
                e.insert("discount".into(), json!(5));
            }),
            kind: ErrorKind::UnknownField,
            path: "$.discount",
        },
        Case {
            name: "string over its bound",
            body: with("add_to_cart", |e| {
                e.insert("user_id".into(), json!("u".repeat(65)));
            }),
            kind: ErrorKind::TooLong,
            path: "$.user_id",
        },
        Case {
            name: "string under its bound",
            body: with("add_to_cart", |e| {
                e.insert("sku".into(), json!(""));
            }),
            kind: ErrorKind::TooShort,
            path: "$.sku",
        },
        Case {
            name: "pattern mismatch",
            body: with("add_to_cart", |e| {
                e.insert("country".into(), json!("usa"));
            }),
            kind: ErrorKind::InvalidFormat,
            path: "$.country",
        },
        Case {
            name: "bad UUID",
            body: with("add_to_cart", |e| {
                e.insert("cart_id".into(), json!("not-a-uuid"));
            }),
            kind: ErrorKind::InvalidFormat,
            path: "$.cart_id",
        },
        Case {
            name: "impossible date-time",
            body: with("add_to_cart", |e| {
                e.insert("event_time".into(), json!("2026-02-30T10:00:00Z"));
            }),
            kind: ErrorKind::InvalidFormat,
            path: "$.event_time",
        },
        Case {
            name: "value outside an enum",
            body: with("add_to_cart", |e| {
                e.insert("platform".into(), json!("desktop"));
            }),
            kind: ErrorKind::NotInEnum,
            path: "$.platform",
        },
        Case {
            name: "null for a required field",
            body: with("add_to_cart", |e| {
                e.insert("sku".into(), Value::Null);
            }),
            kind: ErrorKind::WrongType,
            path: "$.sku",
        },
        Case {
            name: "nested field of the wrong type",
            body: with("purchase", |e| {
                e["items"][0]["quantity"] = json!(2.5);
            }),
            kind: ErrorKind::WrongType,
            path: "$.items[0].quantity",
        },
        Case {
            name: "unknown nested field",
            body: with("purchase", |e| {
                e["items"][0]["colour"] = json!("red");
            }),
            kind: ErrorKind::UnknownField,
            path: "$.items[0].colour",
        },
        Case {
            name: "empty list under min_items",
            body: with("purchase", |e| {
                e.insert("items".into(), json!([]));
            }),
            kind: ErrorKind::TooShort,
            path: "$.items",
        },
        Case {
            name: "nesting past the limit",
            body: deep.into_bytes(),
            kind: ErrorKind::TooDeep,
            path: "$.nested",
        },
        Case {
            name: "not an object",
            body: b"[1, 2, 3]".to_vec(),
            kind: ErrorKind::WrongType,
            path: "$",
        },
        Case {
            name: "duplicate key",
            body: {
                let mut body = with("add_to_cart", |_| {});
                body.pop();
                body.extend_from_slice(b",\"quantity\":2}");
                body
            },
            kind: ErrorKind::DuplicateField,
            path: "$.quantity",
        },
    ]
}

#[test]
fn every_invalid_event_is_rejected_by_schema_and_decoder_with_its_path() {
    let schema = any_event_schema();
    let registry = behavior_schema::registry();
    let mut decoder = BatchDecoder::new(registry, Limits::default(), 16);
    for case in corpus() {
        // JSON Schema: either the bytes are not JSON at all, or the value fails validation.
        // (Duplicate keys are invisible once parsed; the decoder is the stricter reader.)
        if case.kind != ErrorKind::DuplicateField
            && let Ok(value) = serde_json::from_slice::<Value>(&case.body)
        {
            assert!(
                !schema.is_valid(&value),
                "{}: the JSON Schema accepts it",
                case.name
            );
        }
        let mut outcomes = Vec::new();
        let counts = decoder.decode_body(&case.body, |o| {
            outcomes.push(match o {
                Outcome::Rejected { error, raw } => Some((error, raw.to_vec())),
                Outcome::Accepted { .. } => None,
            })
        });
        assert_eq!((counts.received, counts.rejected), (1, 1), "{}", case.name);
        let Some(Some((error, raw))) = outcomes.pop() else {
            panic!("{}: accepted", case.name)
        };
        eprintln!("{:32} -> {error}", case.name);
        assert_eq!(error.kind, case.kind, "{}: {error}", case.name);
        assert_eq!(error.path(), case.path, "{}: {error}", case.name);
        assert!(!error.message.is_empty());
        assert_eq!(
            raw,
            case.body.trim_ascii(),
            "{}: the raw bytes are kept",
            case.name
        );
    }
    // Nothing was appended by any rejected event.
    assert!(decoder.finish().unwrap().is_empty());
}

#[test]
fn a_bad_event_does_not_affect_its_neighbours() {
    let registry = behavior_schema::registry();
    let mut body = Vec::new();
    let mut expected = Vec::new();
    for (i, case) in corpus().into_iter().enumerate() {
        let good = with(
            if i % 2 == 0 {
                "add_to_cart"
            } else {
                "purchase"
            },
            |_| {},
        );
        body.extend_from_slice(&good);
        body.push(b'\n');
        expected.push(true);
        if !case.body.contains(&b'\n') {
            body.extend_from_slice(&case.body);
            body.extend_from_slice(b"\r\n\n");
            expected.push(false);
        }
    }
    let mut decoder = BatchDecoder::new(registry, Limits::default(), 16);
    let mut seen = Vec::new();
    let counts = decoder.decode_body(&body, |o| seen.push(matches!(o, Outcome::Accepted { .. })));
    assert_eq!(seen, expected);
    assert_eq!(counts.received, counts.accepted + counts.rejected);
    let batches = decoder.finish().unwrap();
    let rows: usize = batches.iter().map(|(_, b)| b.num_rows()).sum();
    assert_eq!(rows, counts.accepted);
}

/// The corpus's invalid events that fit on one line, to mix into NDJSON bodies.
fn one_line_bad_events() -> Vec<Vec<u8>> {
    corpus()
        .into_iter()
        .map(|case| case.body.trim_ascii().to_vec())
        .filter(|body| !body.is_empty() && !body.contains(&b'\n'))
        .collect()
}

/// `decode_body` decodes a body's events grouped by event type; what it reports, in what
/// order, and the rows it builds must be exactly those of decoding each event on its own, in
/// input order.
#[test]
fn a_body_decodes_as_its_events_one_at_a_time() {
    let registry = behavior_schema::registry();
    let mut faker = Faker::new(11);
    let bad = one_line_bad_events();
    let mut lines = Vec::new();
    for i in 0..400 {
        let mut line = Vec::new();
        registry.kinds()[i * 5 % registry.len()].fake_json(&mut faker, &mut line);
        lines.push(line);
        if i % 7 == 3
            && let Some(body) = bad.get(i / 7)
        {
            lines.push(body.clone());
        }
    }
    assert!(
        lines.len() > 400 + bad.len() / 2,
        "bad events between the good ones"
    );
    let body = lines.join(&b'\n');

    let mut grouped = BatchDecoder::new(registry, Limits::default(), 16);
    let mut reported = Vec::new();
    let counts = grouped.decode_body(&body, |o| {
        reported.push(match o {
            Outcome::Accepted { kind, row } => Ok((kind, row)),
            Outcome::Rejected { raw, error } => Err((raw.to_vec(), error.kind, error.path())),
        })
    });
    let mut single = BatchDecoder::new(registry, Limits::default(), 16);
    let expected: Vec<_> = lines
        .iter()
        .map(|line| {
            single
                .decode_event(line)
                .map_err(|error| (line.clone(), error.kind, error.path()))
        })
        .collect();
    assert_eq!(reported, expected);
    assert_eq!(counts.received, lines.len());
    assert!(counts.rejected >= bad.len() / 2);
    assert_eq!(grouped.finish().unwrap(), single.finish().unwrap());
}

/// `decode_bodies` groups the events of consecutive bodies by type (several groups here);
/// every body of every kind must come out exactly as `decode_body` decodes it alone, one body
/// after another: the same outcomes, for the same bodies, in the same order, and the same rows.
#[test]
fn bodies_decoded_together_decode_as_each_alone() {
    use behavior_runtime::wire::BodyEncoding;
    let registry = behavior_schema::registry();
    let mut faker = Faker::new(12);
    let bad = one_line_bad_events();
    let mut event = |i: usize| {
        let mut line = Vec::new();
        registry.kinds()[i * 3 % registry.len()].fake_json(&mut faker, &mut line);
        line
    };
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    for b in 0..60 {
        // Bodies of 1 to 120 events, some with rejections among them: ~1 MB in all.
        let mut lines: Vec<Vec<u8>> = (0..1 + b * 37 % 120).map(|i| event(b * 1000 + i)).collect();
        if b % 4 == 1 {
            lines.insert(lines.len() / 2, bad[b % bad.len()].clone());
        }
        bodies.push(lines.join(&b'\n'));
        match b % 10 {
            2 => bodies.push(BodyEncoding::Zstd.encode(&bodies[bodies.len() - 1])),
            4 => {
                let value: Value = serde_json::from_slice(&event(b)).unwrap();
                bodies.push(serde_json::to_vec_pretty(&value).unwrap());
            }
            5 => bodies.push(
                format!(
                    "{{\"event_type\": \"search\",\n{}",
                    String::from_utf8(event(b)).unwrap()
                )
                .into_bytes(),
            ),
            6 => bodies.push(b" \n\t\n".to_vec()),
            7 => bodies.push(b"KLUv/not zstd".to_vec()),
            8 => bodies.push(bad[b % bad.len()].clone()),
            _ => {}
        }
    }
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    assert!(
        bytes > 3 * behavior_runtime::registry::GROUP_BYTES,
        "several groups: {bytes} bytes"
    );
    let outcome = |body: usize, o: Outcome<'_>| {
        (
            body,
            match o {
                Outcome::Accepted { kind, row } => Ok((kind, row)),
                Outcome::Rejected { raw, error } => Err((raw.to_vec(), error.kind, error.path())),
            },
        )
    };

    let mut together = BatchDecoder::new(registry, Limits::default(), 16);
    let mut reported = Vec::new();
    let counts = together.decode_bodies(&bodies, |body, o| reported.push(outcome(body, o)));
    let mut alone = BatchDecoder::new(registry, Limits::default(), 16);
    let mut expected = Vec::new();
    let mut expected_counts = behavior_runtime::Counts::default();
    for (body, bytes) in bodies.iter().enumerate() {
        expected_counts.add(alone.decode_body(bytes, |o| expected.push(outcome(body, o))));
    }
    assert_eq!(reported.len(), expected.len());
    for (got, want) in reported.iter().zip(&expected) {
        assert_eq!(got, want);
    }
    assert_eq!(counts, expected_counts);
    assert!(counts.rejected > 20 && counts.accepted > 3000, "{counts:?}");
    assert_eq!(together.finish().unwrap(), alone.finish().unwrap());
}

#[test]
fn bodies_that_hold_no_event_or_too_much_are_rejected_whole() {
    let registry = behavior_schema::registry();
    let limits = Limits {
        max_body_bytes: 4096,
        max_event_bytes: 2048,
    };
    let mut decoder = BatchDecoder::new(registry, limits, 16);
    let cases: Vec<(Vec<u8>, ErrorKind)> = vec![
        (Vec::new(), ErrorKind::Empty),
        (b" \n\t\r\n ".to_vec(), ErrorKind::Empty),
        (vec![b' '; 5000], ErrorKind::BodyTooLarge),
        (
            format!(
                "{{\"event_type\":\"search\",\"query\":\"{}\"}}",
                "q".repeat(3000)
            )
            .into_bytes(),
            ErrorKind::EventTooLarge,
        ),
    ];
    for (body, kind) in cases {
        let mut kinds = Vec::new();
        let counts = decoder.decode_body(&body, |o| {
            if let Outcome::Rejected { error, .. } = o {
                kinds.push(error.kind)
            }
        });
        assert_eq!(counts.received, 1);
        assert_eq!(kinds, vec![kind]);
    }
}

#[test]
fn a_pretty_printed_single_event_and_out_of_order_envelopes_decode() {
    let registry = behavior_schema::registry();
    let mut decoder = BatchDecoder::new(registry, Limits::default(), 16);
    let event: Value = serde_json::from_slice(&with("purchase", |_| {})).unwrap();
    let pretty = serde_json::to_vec_pretty(&event).unwrap();
    let counts = decoder.decode_body(&pretty, |_| {});
    assert_eq!((counts.received, counts.accepted), (1, 1));
    // Form feed is not JSON whitespace (serde_json rejects it too), around a pretty-printed
    // event as anywhere else.
    for padded in [
        [&b"\x0c"[..], &pretty].concat(),
        [&pretty[..], b"\x0c"].concat(),
    ] {
        assert!(serde_json::from_slice::<Value>(&padded).is_err());
        let counts = decoder.decode_body(&padded, |_| {});
        assert_eq!(counts.accepted, 0, "{}", String::from_utf8_lossy(&padded));
    }
    // event_type last, schema_version absent.
    let mut map = fake("search");
    let event_type = map.remove("event_type").unwrap();
    map.remove("schema_version");
    map.insert("event_type".into(), event_type);
    let counts = decoder.decode_body(&serde_json::to_vec(&map).unwrap(), |_| {});
    assert_eq!((counts.received, counts.accepted), (1, 1));
}

/// The limits take what is at them and reject what is one past: a body of exactly
/// `max_body_bytes`, an event of exactly `max_event_bytes` and nesting of exactly `MAX_DEPTH`
/// levels are read; one byte or one level more is rejected with the limit's kind.
#[test]
fn limits_are_inclusive() {
    use behavior_runtime::decoder::MAX_DEPTH;
    let registry = behavior_schema::registry();
    let limits = Limits {
        max_body_bytes: 4096,
        max_event_bytes: 2048,
    };
    let mut decoder = BatchDecoder::new(registry, limits, 16);
    let mut outcome = |body: &[u8]| {
        let mut kinds = Vec::new();
        let counts = decoder.decode_body(body, |o| {
            kinds.push(match o {
                Outcome::Accepted { .. } => None,
                Outcome::Rejected { error, .. } => Some(error.kind),
            })
        });
        assert_eq!(counts.received, 1, "{}", String::from_utf8_lossy(body));
        kinds[0]
    };
    // An event padded inside its object with JSON whitespace to exactly `len` bytes.
    let event = with("search", |_| {});
    let padded = |len: usize| {
        let mut out = event[..event.len() - 1].to_vec();
        out.resize(len - 1, b' ');
        out.push(b'}');
        out
    };
    assert_eq!(outcome(&padded(2048)), None);
    assert_eq!(outcome(&padded(2049)), Some(ErrorKind::EventTooLarge));
    // A body: the event, then a line of blanks up to the size.
    let body = |len: usize| {
        let mut out = [&event[..], b"\n"].concat();
        out.resize(len, b' ');
        out
    };
    assert_eq!(outcome(&body(4096)), None);
    assert_eq!(outcome(&body(4097)), Some(ErrorKind::BodyTooLarge));
    // Nesting: the event object is one level, each array one more. Before `event_type`, the
    // value is read to find the type; an unknown field is rejected either way, but only past
    // the limit for its depth.
    let nested = |levels: u32| {
        let arrays = (levels - 1) as usize;
        format!(
            "{{\"nested\":{}{},\"event_type\":\"search\"}}",
            "[".repeat(arrays),
            "]".repeat(arrays)
        )
        .into_bytes()
    };
    let at_limit = outcome(&nested(MAX_DEPTH));
    assert!(
        at_limit.is_some() && at_limit != Some(ErrorKind::TooDeep),
        "{at_limit:?}"
    );
    assert_eq!(outcome(&nested(MAX_DEPTH + 1)), Some(ErrorKind::TooDeep));
}
