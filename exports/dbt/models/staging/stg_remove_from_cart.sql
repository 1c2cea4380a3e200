-- Generated from the event registry by `cargo run --release --bin warehouse -- export --out exports`; do not edit.
-- Units of a product were removed from the cart.
-- One row per event_id over every version of remove_from_cart: the lake is at-least-once (producer
-- re-sends, redelivered messages), and the earliest ingestion wins.

with unioned as (
    select
        event_type,
        1 as schema_version,
        event_id,
        event_time,
        user_id,
        anonymous_id,
        session_id,
        platform,
        user_agent,
        country,
        page_url,
        referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        cart_id,
        sku,
        quantity,
        _ingested_at,
        _message_id,
        event_date
    from {{ source('behavior', 'remove_from_cart_v1') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by event_id
            order by _ingested_at, _message_id
        ) as ingestion_rank
    from unioned
)

select
    event_type,
    schema_version,
    event_id,
    event_time,
    user_id,
    anonymous_id,
    session_id,
    platform,
    user_agent,
    country,
    page_url,
    referrer,
    utm_source,
    utm_medium,
    utm_campaign,
    cart_id,
    sku,
    quantity,
    _ingested_at,
    _message_id,
    event_date
from ranked
where ingestion_rank = 1
