-- The latest published GDP (US$ bn), average electricity generation (MW) and BTC price known
-- on each as-of date, used to size crypto exposure and IMF programs against the economy.
with

country_dates as (select * from country_dates),

gdp as (select * from stg_macro where indicator = 'gdp_usd_bn'),

generation as (select * from stg_electricity_generation),

prices as (select * from stg_btc_usd_monthly),

params as (select * from cfg_scalars),

latest_gdp as (
    select
        cd.iso3,
        cd.as_of,
        arg_max(g.value, g.year) as gdp_usd_bn,
        max(g.year) as gdp_year,
        arg_max(g.source_id, g.year) as gdp_source_id
    from country_dates as cd
    cross join params as p
    inner join gdp as g
        on g.iso3 = cd.iso3
        and g.known_on <= cd.as_of
        and g.year >= year(cd.as_of) - p.publication_lag_macro_max_age_years
    group by cd.iso3, cd.as_of
),

latest_generation as (
    select
        cd.iso3,
        cd.as_of,
        arg_max(e.average_mw, e.year) as average_mw,
        arg_max(e.source_id, e.year) as generation_source_id
    from country_dates as cd
    inner join generation as e
        on e.iso3 = cd.iso3
        and e.known_on <= cd.as_of
    group by cd.iso3, cd.as_of
),

latest_price as (
    select
        d.as_of,
        arg_max(pr.close_usd, pr.month_end_on) as btc_usd,
        arg_max(pr.source_id, pr.month_end_on) as btc_source_id
    from (select distinct as_of from country_dates) as d
    inner join prices as pr on pr.known_on <= d.as_of
    group by d.as_of
),

final as (
    select
        -- keys
        cd.iso3,
        cd.as_of,
        -- measures
        g.gdp_usd_bn,
        g.gdp_year,
        e.average_mw,
        pr.btc_usd,
        -- lineage
        g.gdp_source_id,
        e.generation_source_id,
        pr.btc_source_id
    from country_dates as cd
    left join latest_gdp as g using (iso3, as_of)
    left join latest_generation as e using (iso3, as_of)
    left join latest_price as pr using (as_of)
)

select * from final
