-- The latest published GDP (US$ bn), average electricity generation (MW) and BTC price known
-- on each as-of date, used to size crypto exposure and IMF programs against the economy.
with

country_dates as (select * from country_dates),

gdp as (select * from macro__latest where indicator = 'gdp_usd_bn'),

generation as (select * from stg_electricity_generation),

prices as (select * from stg_btc_usd_monthly),

-- generation is published a year at a time, so the latest known is the latest year's
latest_generation as (
    select
        cd.iso3,
        cd.as_of,
        e.average_mw,
        e.source_id as generation_source_id
    from country_dates as cd
    asof inner join generation as e
        on e.iso3 = cd.iso3
        and cd.as_of >= e.known_on
),

latest_price as (
    select
        d.as_of,
        pr.close_usd as btc_usd,
        pr.source_id as btc_source_id
    from (select distinct as_of from country_dates) as d
    asof inner join prices as pr on d.as_of >= pr.known_on
),

final as (
    select
        -- keys
        cd.iso3,
        cd.as_of,
        cd.row_index,
        -- measures
        g.value as gdp_usd_bn,
        g.year as gdp_year,
        e.average_mw,
        pr.btc_usd,
        -- lineage
        g.source_id as gdp_source_id,
        e.generation_source_id,
        pr.btc_source_id
    from country_dates as cd
    left join gdp as g using (iso3, as_of)
    left join latest_generation as e using (iso3, as_of)
    left join latest_price as pr using (as_of)
)

select * from final
