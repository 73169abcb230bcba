-- After each day a member's macro figures change (a release), the latest actual value of every
-- indicator the model reads: a value is the latest of its indicator on a date exactly when it
-- was the latest on the last release day before that date (see macro__latest). No date of
-- scoring enters, so this is built once, not per batch of dates.
with

macro as (select * from stg_macro),

-- the indicators staging kept: GDP and the vulnerability factors the package holds
indicators as (select distinct indicator from macro),

releases as (select distinct iso3, known_on from macro),

-- each indicator has one publisher, so the latest published value is the latest year's
final as (
    select
        -- keys
        r.iso3,
        r.known_on as release_on,
        i.indicator,
        -- measures
        m.value,
        m.year,
        -- lineage
        m.source_id
    from releases as r
    cross join indicators as i
    asof left join macro as m
        on m.iso3 = r.iso3
        and m.indicator = i.indicator
        and r.known_on >= m.known_on
)

select * from final
