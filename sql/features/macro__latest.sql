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

wanted as (
    select cd.iso3, cd.as_of, i.indicator
    from country_dates as cd
    cross join indicators as i
),

-- each indicator has one publisher, so the latest published value is the latest year's
latest as (
    select
        w.iso3,
        w.as_of,
        w.indicator,
        m.value,
        m.year,
        m.source_id
    from wanted as w
    asof left join macro as m
        on m.iso3 = w.iso3
        and m.indicator = w.indicator
        and w.as_of >= m.known_on
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
