-- The exposure_size factor's row on each as-of date: whether it is observed, the state's BTC
-- holdings against GDP (the one component that does not decay), and the rows behind it. The
-- value itself, the largest of the holdings share and the decayed shares of the sized actions
-- (exposure__sized_actions), is computed by the model (riskscore/formula.py).
with

points as (select * from actions__points where direction = 'state_exposure' and status <> 'reversed'),

sized as (select * from exposure__sized_actions),

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
        list_sum(list(magnitude order by action_id)) as holdings_btc,
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

sized_totals as (
    select
        iso3,
        as_of,
        bool_and(full_share is not null) as all_shares_known,
        list(action_id order by action_id) as action_ids,
        list_distinct(flatten(list([source_id, denominator_source_id]))) as source_ids
    from sized
    group by iso3, as_of
),

-- does the country have state exposure at all (then a missing size is unknown, not zero)
exposed as (
    select iso3, as_of, true as has_exposure
    from points
    where type_weight > 0
    group by iso3, as_of
),

final as (
    select
        -- keys
        d.iso3,
        d.as_of,
        d.row_index,
        -- measures
        100 * h.holdings_btc * d.btc_usd / (d.gdp_usd_bn * 1e9)
            / p.exposure_size_btc_holdings_pct_gdp_cap as holdings_share,
        -- observed: no live exposure means size 0 for sure; otherwise every sized component
        -- must have its denominator, and at least one component must be sized
        case
            when not coalesce(e.has_exposure, false) then true
            when h.holdings_btc is null and s.iso3 is null then false
            else (h.holdings_btc is null or holdings_share is not null)
                and coalesce(s.all_shares_known, true)
        end as observed,
        -- lineage: only the inputs that were used
        lineage(list_sort(list_distinct(flatten(
            [coalesce(h.action_ids, []), coalesce(s.action_ids, [])]
        )))) as evidence_ids,
        lineage(list_filter(list_distinct(flatten([
            case when h.holdings_btc is null then []
                else h.source_ids || [d.gdp_source_id, d.btc_source_id] end,
            coalesce(s.source_ids, [])
        ])), lambda x: x is not null)) as source_ids
    from denominators as d
    cross join params as p
    left join holdings as h using (iso3, as_of)
    left join sized_totals as s using (iso3, as_of)
    left join exposed as e using (iso3, as_of)
)

select * from final
