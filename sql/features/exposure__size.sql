-- How large the state's crypto exposure is against the economy, on each as-of date.
-- Each component is divided by its cap from the config; the factor is the largest ratio:
--   mining power (MW, status-weighted and decayed) vs average national generation,
--   state BTC holdings at the latest month-end price vs GDP,
--   crypto outlays, funds and bonds in US$ (status-weighted, decayed) vs GDP,
--   proposals stated as a share of FX reserves.
with

points as (select * from actions__points where direction = 'state_exposure' and status <> 'reversed'),

denominators as (select * from denominators),

params as (select * from cfg_scalars),

-- the latest stated total of state holdings; purchases only add up when no total was stated
holdings_stated as (
    select
        iso3,
        as_of,
        arg_max(reported_holdings_btc, announced_on) as holdings_btc,
        list(action_id order by action_id) as action_ids,
        list(distinct source_id) as source_ids
    from points
    where reported_holdings_btc is not null
    group by iso3, as_of
),

holdings_bought as (
    select
        iso3,
        as_of,
        sum(magnitude) as holdings_btc,
        list(action_id order by action_id) as action_ids,
        list(distinct source_id) as source_ids
    from points
    where magnitude_unit = 'BTC' and action_type = 'public_btc_purchase'
    group by iso3, as_of
),

holdings as (
    select
        iso3,
        as_of,
        coalesce(s.holdings_btc, b.holdings_btc) as holdings_btc,
        coalesce(s.action_ids, b.action_ids) as action_ids,
        coalesce(s.source_ids, b.source_ids) as source_ids
    from holdings_bought as b
    full outer join holdings_stated as s using (iso3, as_of)
),

-- amounts by unit: MW of mining power, US$ m of outlays, % of reserves (each status-weighted
-- and decayed like the action's points); the largest live one counts
sized as (
    select
        iso3,
        as_of,
        magnitude_unit as unit,
        max(magnitude * status_multiplier * decay) as amount,
        list(action_id order by action_id) as action_ids,
        list(distinct source_id) as source_ids
    from points
    where magnitude_unit in ('MW', 'USD_m', 'pct_reserves')
    group by iso3, as_of, magnitude_unit
),

mining as (
    select iso3, as_of, amount as mining_mw, action_ids, source_ids from sized where unit = 'MW'
),

outlays as (
    select iso3, as_of, amount as outlay_usd_m, action_ids, source_ids from sized where unit = 'USD_m'
),

reserve_shares as (
    select iso3, as_of, amount as pct_reserves, action_ids, source_ids
    from sized
    where unit = 'pct_reserves'
),

-- does the country have live state exposure at all (then a missing size is unknown, not zero)
exposed as (
    select iso3, as_of, sum(points) > 0 as has_exposure
    from points
    group by iso3, as_of
),

ratios as (
    select
        d.iso3,
        d.as_of,
        100 * m.mining_mw / d.average_mw / p.exposure_size_mining_mw_pct_generation_cap
            as mining_ratio,
        100 * h.holdings_btc * d.btc_usd / (d.gdp_usd_bn * 1e9) / p.exposure_size_btc_holdings_pct_gdp_cap
            as holdings_ratio,
        100 * o.outlay_usd_m / (d.gdp_usd_bn * 1e3) / p.exposure_size_usd_outlay_pct_gdp_cap
            as outlay_ratio,
        r.pct_reserves / p.exposure_size_pct_reserves_cap as reserves_ratio,
        m.mining_mw is not null as has_mining,
        h.holdings_btc is not null as has_holdings,
        o.outlay_usd_m is not null as has_outlay,
        r.pct_reserves is not null as has_reserve_share,
        coalesce(e.has_exposure, false) as has_exposure,
        list_distinct(flatten([
            coalesce(m.action_ids, []), coalesce(h.action_ids, []),
            coalesce(o.action_ids, []), coalesce(r.action_ids, [])
        ])) as evidence_ids,
        list_distinct(flatten([
            case when m.mining_mw is null then [] else m.source_ids || [d.generation_source_id] end,
            case when h.holdings_btc is null then []
                else h.source_ids || [d.gdp_source_id, d.btc_source_id] end,
            case when o.outlay_usd_m is null then [] else o.source_ids || [d.gdp_source_id] end,
            coalesce(r.source_ids, [])
        ])) as source_ids
    from denominators as d
    cross join params as p
    left join mining as m using (iso3, as_of)
    left join holdings as h using (iso3, as_of)
    left join outlays as o using (iso3, as_of)
    left join reserve_shares as r using (iso3, as_of)
    left join exposed as e using (iso3, as_of)
),

final as (
    select
        -- keys
        iso3,
        as_of,
        -- measures
        mining_ratio,
        holdings_ratio,
        outlay_ratio,
        reserves_ratio,
        greatest(
            coalesce(mining_ratio, 0), coalesce(holdings_ratio, 0),
            coalesce(outlay_ratio, 0), coalesce(reserves_ratio, 0)
        ) as size_ratio,
        -- observed: no live exposure means size 0 for sure; otherwise every sized component
        -- must have its denominator, and at least one component must be sized
        case
            when not has_exposure then true
            when not (has_mining or has_holdings or has_outlay or has_reserve_share) then false
            else (not has_mining or mining_ratio is not null)
                and (not has_holdings or holdings_ratio is not null)
                and (not has_outlay or outlay_ratio is not null)
        end as observed,
        -- lineage: only the inputs that were used
        case when has_mining or has_holdings or has_outlay or has_reserve_share
            then evidence_ids else [] end as evidence_ids,
        case when has_mining or has_holdings or has_outlay or has_reserve_share
            then list_filter(source_ids, lambda s: s is not null) else [] end as source_ids
    from ratios
)

select * from final
