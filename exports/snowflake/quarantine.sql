-- Generated from the event registry by `cargo run --release --bin warehouse -- export --out exports`; do not edit.
-- Every event the converter rejected, from @behavior_lake/_rejected/: never dropped, always explained.

USE SCHEMA behavior_raw;

CREATE TABLE IF NOT EXISTS rejected_events (
  message_id VARCHAR NOT NULL COMMENT 'Id of the queue message that carried the event.',
  ordinal NUMBER(10, 0) COMMENT 'The event''s ordinal in its message body, from 1 (blank lines not counted); with message_id, the rejection''s key (a redelivered message is quarantined again).',
  received_at TIMESTAMP_TZ(6) NOT NULL COMMENT 'When the converter received the message (UTC).',
  event_type VARCHAR COMMENT 'The event type, when the envelope could be read.',
  error_kind VARCHAR NOT NULL COMMENT 'Why the event was rejected (malformed_json, wrong_type, missing_field, ...).',
  field_path VARCHAR NOT NULL COMMENT 'JSONPath of the offending value ($ for the event as a whole).',
  error_message VARCHAR NOT NULL COMMENT 'The decoder''s message.',
  raw VARCHAR NOT NULL COMMENT 'The event''s bytes as text (invalid UTF-8 replaced by U+FFFD).',
  raw_base64 VARCHAR NOT NULL COMMENT 'The event''s exact bytes, base64.'
)
COMMENT = 'Events the converter rejected, with why and their exact bytes.';

-- Rerunning this file after a compatible change adds its optional columns.
ALTER TABLE rejected_events ADD COLUMN IF NOT EXISTS ordinal NUMBER(10, 0) COMMENT 'The event''s ordinal in its message body, from 1 (blank lines not counted); with message_id, the rejection''s key (a redelivered message is quarantined again).';
ALTER TABLE rejected_events ADD COLUMN IF NOT EXISTS event_type VARCHAR COMMENT 'The event type, when the envelope could be read.';

COPY INTO rejected_events
  FROM @behavior_lake/_rejected/
  FILE_FORMAT = (FORMAT_NAME = 'behavior_ndjson')
  PATTERN = '.*[.]ndjson'
  MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE;

CREATE PIPE IF NOT EXISTS rejected_events_pipe
  AUTO_INGEST = TRUE
  COMMENT = 'Loads the quarantine from the lake.'
  AS
COPY INTO rejected_events
  FROM @behavior_lake/_rejected/
  FILE_FORMAT = (FORMAT_NAME = 'behavior_ndjson')
  PATTERN = '.*[.]ndjson'
  MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE;
