-- National crypto actions with the day each became known (sub-national ones are not scored).
with

actions as (select * from crypto_actions),

final as (
    select
        -- keys
        action_id,
        iso3,
        -- attributes
        action_type,
        direction,
        status,
        magnitude,
        magnitude_unit,
        reported_holdings_btc,
        description,
        confidence,
        -- dates: month/year-precision dates are already the last day of their period
        announced_on,
        announced_on as known_on,
        -- lineage
        source_id
    from actions
    where scope = 'national'
)

select * from final
