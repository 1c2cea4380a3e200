//! For every registered event type: fake events → wire JSON → valid against the exported JSON
//! Schema → direct decode → RecordBatch → Parquet → read back, equal at every step to the
//! batch built from the structs themselves.

use arrow::record_batch::RecordBatch;
use behavior_runtime::Faker;
use behavior_runtime::parquet::write_parquet;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

const EVENTS_PER_TYPE: usize = 10_000;

fn validator(schema: &serde_json::Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .expect("exported schema compiles")
}

fn read_back(bytes: Vec<u8>) -> RecordBatch {
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes))
        .expect("parquet metadata")
        .with_batch_size(EVENTS_PER_TYPE * 2)
        .build()
        .expect("reader");
    let batches: Vec<RecordBatch> = reader.map(|b| b.expect("batch")).collect();
    assert_eq!(batches.len(), 1);
    batches.into_iter().next().unwrap()
}

#[test]
fn every_event_type_round_trips_through_json_schema_decoder_and_parquet() {
    let registry = behavior_schema::registry();
    assert!(
        registry.len() >= 8,
        "the catalog lists at least 8 event types"
    );
    for (index, kind) in registry.kinds().iter().enumerate() {
        let descriptor = kind.descriptor();
        let mut faker = Faker::new(42 + index as u64);
        let (jsons, expected) = kind.fake_sample(&mut faker, EVENTS_PER_TYPE).unwrap();
        assert_eq!(expected.num_rows(), EVENTS_PER_TYPE);

        let schema = validator(&descriptor.json_schema());
        let mut builder = kind.new_builder(EVENTS_PER_TYPE);
        for json in &jsons {
            let value: serde_json::Value = serde_json::from_slice(json).unwrap();
            if let Err(error) = schema.validate(&value) {
                panic!(
                    "{} fails its JSON Schema: {error}\n{value}",
                    descriptor.event_type
                );
            }
            if let Err(error) = builder.decode(json) {
                panic!(
                    "{} fails to decode: {error}\n{value}",
                    descriptor.event_type
                );
            }
        }
        let decoded = builder.finish().unwrap();
        assert_eq!(
            decoded, expected,
            "{}: decoded JSON differs from the structs",
            descriptor.event_type
        );

        let parquet = write_parquet(descriptor, std::slice::from_ref(&decoded)).unwrap();
        let read = read_back(parquet);
        let shape = |batch: &RecordBatch| -> Vec<_> {
            let schema = batch.schema();
            schema
                .fields()
                .iter()
                .map(|f| {
                    (
                        f.name().clone(),
                        f.data_type().clone(),
                        f.is_nullable(),
                        f.metadata().clone(),
                    )
                })
                .collect()
        };
        assert_eq!(
            shape(&read),
            shape(&expected),
            "{}: schema changed through Parquet",
            descriptor.event_type
        );
        assert_eq!(
            read.columns(),
            expected.columns(),
            "{}: Parquet read back differs",
            descriptor.event_type
        );
    }
}

#[test]
fn exported_json_schemas_are_valid_draft_2020_12() {
    for descriptor in behavior_schema::registry().descriptors() {
        let schema = descriptor.json_schema();
        if let Err(error) = jsonschema::meta::validate(&schema) {
            panic!(
                "{} schema is not valid 2020-12: {error}",
                descriptor.event_type
            );
        }
        assert_eq!(schema["additionalProperties"], false);
        let required = schema["required"].as_array().unwrap();
        assert!(required.contains(&"event_id".into()));
        assert!(
            !required.contains(&"user_id".into()),
            "nullable fields are not required"
        );
        assert_eq!(schema["properties"]["event_time"]["format"], "date-time");
        assert_eq!(schema["properties"]["event_id"]["format"], "uuid");
        assert!(
            schema["properties"]["event_id"]["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "doc comments become descriptions"
        );
    }
}

fn typed_round_trip<E>()
where
    E: behavior_runtime::Event + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let mut faker = Faker::new(3);
    for _ in 0..1000 {
        let event = <E as behavior_runtime::Record>::fake_record(&mut faker);
        let json = serde_json::to_vec(&event).unwrap();
        let back: E = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, event);
    }
}

#[test]
fn events_deserialize_back_into_their_structs() {
    use behavior_schema::events::*;
    typed_round_trip::<PageView>();
    typed_round_trip::<ProductView>();
    typed_round_trip::<Search>();
    typed_round_trip::<AddToCart>();
    typed_round_trip::<RemoveFromCart>();
    typed_round_trip::<CheckoutStarted>();
    typed_round_trip::<Purchase>();
    typed_round_trip::<RefundRequested>();
}
