-- IMF credit outstanding comes from two publishers with different lags, so the latest known
-- figure is the one for the latest date among those published by then: at each publication
-- day, the best figure known that day (engagement__factors then takes, per as-of date, the
-- latest publication day). No date of scoring enters, so this is built once, not per batch.
with

credit as (select * from stg_imf_positions),

publication_days as (select distinct iso3, known_on from credit),

final as (
    select
        -- keys
        d.iso3,
        d.known_on,
        -- measures
        arg_max(c.credit_usd_m, (c.as_of, c.known_on)) as credit_usd_m,
        max(c.as_of) as credit_as_of,
        -- lineage
        arg_max(c.source_id, (c.as_of, c.known_on)) as source_id
    from publication_days as d
    inner join credit as c
        on c.iso3 = d.iso3
        and c.known_on <= d.known_on
    group by d.iso3, d.known_on
)

select * from final
