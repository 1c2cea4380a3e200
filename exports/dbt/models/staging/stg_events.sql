-- Generated from the event registry by `cargo run --release --bin warehouse -- export --out exports`; do not edit.
-- Every event of every type, with the context all of them carry: one row per event_id.

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
    _ingested_at,
    _message_id,
    event_date
from {{ ref('stg_add_to_cart') }}
union all
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
    _ingested_at,
    _message_id,
    event_date
from {{ ref('stg_checkout_started') }}
union all
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
    _ingested_at,
    _message_id,
    event_date
from {{ ref('stg_page_view') }}
union all
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
    _ingested_at,
    _message_id,
    event_date
from {{ ref('stg_product_view') }}
union all
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
    _ingested_at,
    _message_id,
    event_date
from {{ ref('stg_purchase') }}
union all
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
    _ingested_at,
    _message_id,
    event_date
from {{ ref('stg_refund_requested') }}
union all
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
    _ingested_at,
    _message_id,
    event_date
from {{ ref('stg_remove_from_cart') }}
union all
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
    _ingested_at,
    _message_id,
    event_date
from {{ ref('stg_search') }}
