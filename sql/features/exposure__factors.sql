-- The crypto policy exposure pillar's factors, one row per country, date and factor.
with

country_dates as (select * from country_dates),

points as (select * from actions__points),

size as (select * from exposure__size),

-- the state_actions value itself (the sum of the actions' points) is computed by the model
-- from actions__points (riskscore/formula.py); here only the rows behind it
action_totals as (
    select
        iso3,
        as_of,
        list(action_id order by action_id) as evidence_ids,
        list(distinct source_id order by source_id) as source_ids
    from points
    group by iso3, as_of
),

state_actions as (
    select
        cd.iso3,
        cd.as_of,
        cd.row_index,
        'exposure' as pillar,
        'state_actions' as factor,
        cast(null as double) as raw_value,
        true as observed,
        coalesce(t.evidence_ids, []) as evidence_ids,
        coalesce(t.source_ids, []) as source_ids
    from country_dates as cd
    left join action_totals as t using (iso3, as_of)
),

-- the raw value carried here is the undecayed holdings share, the floor of exposure_size; the
-- model raises it to the largest decayed share of the sized actions
exposure_size as (
    select
        iso3,
        as_of,
        row_index,
        'exposure' as pillar,
        'exposure_size' as factor,
        coalesce(holdings_share, 0) as raw_value,
        observed,
        evidence_ids,
        source_ids
    from size
),

final as (
    select * from state_actions
    union all by name
    select * from exposure_size
)

select * from final
