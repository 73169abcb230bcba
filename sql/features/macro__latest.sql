-- The latest actual (never projected) value of each macro indicator the model reads, as
-- published by each as-of date: GDP (to size exposure and programs) and the vulnerability
-- factors. One row per member, date and indicator; the value is null when none was published
-- yet or the latest is older than the configured age.
with

country_dates as (select * from country_dates),

macro as (select * from stg_macro),

params as (select * from cfg_scalars),

-- the indicators staging kept: GDP and the vulnerability factors the package holds
indicators as (select distinct indicator from macro),

-- the days a member's macro figures change: a value is the latest of its indicator on a
-- date exactly when it was the latest on the last of these days before it
releases as (select distinct iso3, known_on from macro),

-- each indicator has one publisher, so the latest published value is the latest year's
after_release as (
    select
        r.iso3,
        r.known_on as release_on,
        i.indicator,
        m.value,
        m.year,
        m.source_id
    from releases as r
    cross join indicators as i
    asof left join macro as m
        on m.iso3 = r.iso3
        and m.indicator = i.indicator
        and r.known_on >= m.known_on
),

-- one look-up per member and date (not per indicator): the last release on or before it
release_on as (
    select
        cd.iso3,
        cd.as_of,
        r.known_on as release_on
    from country_dates as cd
    asof left join releases as r
        on r.iso3 = cd.iso3
        and cd.as_of >= r.known_on
),

latest as (
    select
        d.iso3,
        d.as_of,
        i.indicator,
        a.value,
        a.year,
        a.source_id
    from release_on as d
    cross join indicators as i
    left join after_release as a
        on a.iso3 = d.iso3
        and a.indicator = i.indicator
        and a.release_on = d.release_on
),

final as (
    select
        -- keys
        l.iso3,
        l.as_of,
        l.indicator,
        -- measures
        case when fresh then l.value end as value,
        case when fresh then l.year end as year,
        -- lineage
        case when fresh then l.source_id end as source_id
    from (
        select *, year >= year(as_of) - p.freshness_macro_max_age_years as fresh
        from latest
        cross join params as p
    ) as l
)

select * from final
