-- Generated from the event registry by `cargo run --release --bin warehouse -- export --out exports`; do not edit.
-- search.v1: one row per accepted event, loaded from @behavior_lake/search/v1/.

USE SCHEMA behavior_raw;

CREATE TABLE IF NOT EXISTS search_v1 (
  event_type VARCHAR NOT NULL COMMENT 'The event type: what happened.',
  event_id VARCHAR NOT NULL COMMENT 'Unique id of this event, set by the producer; duplicates are re-sends of one event.',
  event_time TIMESTAMP_TZ(6) NOT NULL COMMENT 'When the event happened on the client, in UTC (microseconds).',
  user_id VARCHAR COMMENT 'The signed-in user''s id; null for anonymous visitors.',
  anonymous_id VARCHAR NOT NULL COMMENT 'Stable id of the browser or device, set before sign-in.',
  session_id VARCHAR NOT NULL COMMENT 'The visit this event belongs to.',
  platform VARCHAR NOT NULL COMMENT 'Web, iOS or Android. One of: web, ios, android.',
  user_agent VARCHAR NOT NULL COMMENT 'The client''s User-Agent header.',
  country VARCHAR NOT NULL COMMENT 'ISO 3166-1 alpha-2 country of the visitor.',
  page_url VARCHAR NOT NULL COMMENT 'The page (or app screen URL) the event happened on.',
  referrer VARCHAR COMMENT 'The referring URL, if any.',
  utm_source VARCHAR COMMENT 'Campaign source (utm_source), if the visit came from a tagged link.',
  utm_medium VARCHAR COMMENT 'Campaign medium (utm_medium).',
  utm_campaign VARCHAR COMMENT 'Campaign name (utm_campaign).',
  query VARCHAR NOT NULL COMMENT 'The query as typed.',
  results_count NUMBER(10, 0) NOT NULL COMMENT 'How many products matched.',
  results_page NUMBER(10, 0) NOT NULL COMMENT 'Which page of results this is, from 1.',
  _ingested_at TIMESTAMP_TZ(6) NOT NULL COMMENT 'When the converter received the event (UTC).',
  _message_id VARCHAR NOT NULL COMMENT 'Id of the queue message that carried the event.',
  event_date DATE AS (TO_DATE(CONVERT_TIMEZONE('UTC', event_time))) COMMENT 'UTC date of event_time: the lake''s hive partition (event_date=YYYY-MM-DD).'
)
COMMENT = 'A visitor searched the catalog.';

-- Rerunning this file after a compatible change adds its optional columns.
ALTER TABLE search_v1 ADD COLUMN IF NOT EXISTS user_id VARCHAR COMMENT 'The signed-in user''s id; null for anonymous visitors.';
ALTER TABLE search_v1 ADD COLUMN IF NOT EXISTS referrer VARCHAR COMMENT 'The referring URL, if any.';
ALTER TABLE search_v1 ADD COLUMN IF NOT EXISTS utm_source VARCHAR COMMENT 'Campaign source (utm_source), if the visit came from a tagged link.';
ALTER TABLE search_v1 ADD COLUMN IF NOT EXISTS utm_medium VARCHAR COMMENT 'Campaign medium (utm_medium).';
ALTER TABLE search_v1 ADD COLUMN IF NOT EXISTS utm_campaign VARCHAR COMMENT 'Campaign name (utm_campaign).';

-- Backfill: what is already in the lake (COPY skips files it loaded before).
COPY INTO search_v1
  FROM @behavior_lake/search/v1/
  FILE_FORMAT = (FORMAT_NAME = 'behavior_parquet')
  PATTERN = '.*[.]parquet'
  MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE;

-- New files as they land: S3 event notifications to the pipe's SQS queue
-- (SHOW PIPES gives its notification_channel).
CREATE PIPE IF NOT EXISTS search_v1_pipe
  AUTO_INGEST = TRUE
  COMMENT = 'Loads search.v1 from the lake.'
  AS
COPY INTO search_v1
  FROM @behavior_lake/search/v1/
  FILE_FORMAT = (FORMAT_NAME = 'behavior_parquet')
  PATTERN = '.*[.]parquet'
  MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE;
