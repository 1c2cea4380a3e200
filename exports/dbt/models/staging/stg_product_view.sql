-- Generated from the event registry by `cargo run --release --bin warehouse -- export --out exports`; do not edit.
-- A product's detail page was viewed.
-- One row per event_id over every version of product_view: the lake is at-least-once (producer
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
        sku,
        product_name,
        category,
        price,
        currency,
        stock_level,
        rating,
        _ingested_at,
        _message_id,
        event_date
    from {{ source('behavior', 'product_view_v1') }}
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
    sku,
    product_name,
    category,
    price,
    currency,
    stock_level,
    rating,
    _ingested_at,
    _message_id,
    event_date
from ranked
where ingestion_rank = 1
