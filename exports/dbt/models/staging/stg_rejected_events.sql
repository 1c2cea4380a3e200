-- Generated from the event registry by `cargo run --release --bin warehouse -- export --out exports`; do not edit.
-- Every rejected event once: a redelivered message is quarantined again (in another
-- batch's file), with the same message_id and ordinal; the earliest receipt wins.

with ranked as (
    select
        *,
        row_number() over (
            partition by message_id, ordinal, raw_base64
            order by received_at
        ) as receipt_rank
    from {{ source('behavior', 'rejected_events') }}
)

select
    message_id,
    ordinal,
    received_at,
    event_type,
    error_kind,
    field_path,
    error_message,
    raw,
    raw_base64
from ranked
where receipt_rank = 1
