-- Generated from the event registry by `cargo run --release --bin warehouse -- export --out exports`; do not edit.
-- Run first, once per account. Replace the two placeholders (the lake's S3 prefix and the IAM
-- role Snowflake assumes to read it) with the deployment's values; everything else refers to
-- these objects by name. Creating the storage integration needs ACCOUNTADMIN; afterwards
-- DESC INTEGRATION behavior_lake_integration gives the IAM user and external id for the role's trust policy.

CREATE STORAGE INTEGRATION IF NOT EXISTS behavior_lake_integration
  TYPE = EXTERNAL_STAGE
  STORAGE_PROVIDER = 'S3'
  ENABLED = TRUE
  STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/behavior-snowflake-read'
  STORAGE_ALLOWED_LOCATIONS = ('s3://behavior-lake/events/');

CREATE SCHEMA IF NOT EXISTS behavior_raw;

USE SCHEMA behavior_raw;

-- Parquet as the converter writes it: logical types (TIMESTAMP(MICROS, UTC), DECIMAL, DATE,
-- STRING) load into the typed columns as such, not as raw integers and binaries.
CREATE FILE FORMAT IF NOT EXISTS behavior_parquet
  TYPE = PARQUET
  USE_LOGICAL_TYPE = TRUE
  BINARY_AS_TEXT = FALSE;

-- The quarantine: one JSON object per line.
CREATE FILE FORMAT IF NOT EXISTS behavior_ndjson
  TYPE = JSON
  STRIP_OUTER_ARRAY = FALSE;

-- The lake prefix: <event_type>/v<version>/event_date=YYYY-MM-DD/part-<hash>.parquet and
-- _rejected/event_date=YYYY-MM-DD/part-<hash>.ndjson.
CREATE STAGE IF NOT EXISTS behavior_lake
  URL = 's3://behavior-lake/events/'
  STORAGE_INTEGRATION = behavior_lake_integration
  FILE_FORMAT = (FORMAT_NAME = 'behavior_parquet');
