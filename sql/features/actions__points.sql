-- Each crypto action known on each as-of date, with what its points are made of: the type
-- weight, the status multiplier and the decay 0.5 ^ (age in months / half-life). The model
-- (riskscore/formula.py) multiplies them into the action's points and sums them into the
-- state_actions factor; restrictive and regulatory-alignment types have negative weights.
with

actions as (select * from stg_crypto_actions),

country_dates as (select * from country_dates),

types as (select * from cfg_action_types),

statuses as (select * from cfg_action_status),

known as (
    select
        cd.as_of,
        a.*
    from actions as a
    inner join country_dates as cd
        on a.iso3 = cd.iso3
        and a.known_on <= cd.as_of
),

final as (
    select
        -- keys
        k.iso3,
        k.as_of,
        k.action_id,
        -- attributes
        k.action_type,
        k.direction,
        k.status,
        k.announced_on,
        k.magnitude,
        k.magnitude_unit,
        k.reported_holdings_btc,
        -- measures
        months_between(k.announced_on, k.as_of) as age_months,
        t.weight as type_weight,
        s.multiplier as status_multiplier,
        t.half_life_months,
        pow(0.5, age_months / t.half_life_months) as decay,
        -- lineage
        k.source_id
    from known as k
    inner join types as t using (action_type)
    inner join statuses as s using (status)
)

select * from final
