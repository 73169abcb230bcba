-- Each sized state-exposure action known on each as-of date, as a share of its cap at full
-- strength (status-weighted, before decay): mining power in MW against average national
-- generation, crypto outlays, funds and bonds in US$ against GDP, proposals stated as a share
-- of FX reserves. The model (riskscore/formula.py) decays each share like the action's points
-- and takes the largest, with the state's BTC holdings (exposure__size), as exposure_size.
-- The share is null when its denominator is unknown.
with

points as (select * from actions__points where direction = 'state_exposure' and status <> 'reversed'),

denominators as (select * from denominators),

params as (select * from cfg_scalars),

final as (
    select
        -- keys
        a.iso3,
        a.as_of,
        a.action_id,
        -- measures
        a.magnitude_unit as unit,
        case a.magnitude_unit
            when 'MW' then 100 * a.magnitude * a.status_multiplier / d.average_mw
                / p.exposure_size_mining_mw_pct_generation_cap
            when 'USD_m' then 100 * a.magnitude * a.status_multiplier / (d.gdp_usd_bn * 1e3)
                / p.exposure_size_usd_outlay_pct_gdp_cap
            when 'pct_reserves' then a.magnitude * a.status_multiplier
                / p.exposure_size_pct_reserves_cap
        end as full_share,
        -- lineage
        a.source_id,
        case a.magnitude_unit
            when 'MW' then d.generation_source_id
            when 'USD_m' then d.gdp_source_id
        end as denominator_source_id
    from points as a
    inner join denominators as d using (iso3, as_of)
    cross join params as p
    where a.magnitude_unit in ('MW', 'USD_m', 'pct_reserves')
)

select * from final
