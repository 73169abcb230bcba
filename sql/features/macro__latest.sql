-- The latest actual (never projected) value of each macro indicator the model reads, as
-- published by each as-of date: GDP (to size exposure and programs) and the vulnerability
-- factors. One row per member, date and indicator; the value is null when none was published
-- yet or the latest is older than the configured age.
with

country_dates as (select * from country_dates),

releases as (select * from stg_macro_releases),

params as (select * from cfg_scalars),

indicators as (select distinct indicator from releases),

-- one look-up per member and date (not per indicator): its last release day on or before it
release_on as (
    select
        cd.iso3,
        cd.as_of,
        cd.row_index,
        r.release_on
    from country_dates as cd
    asof left join (select distinct iso3, release_on from releases) as r
        on r.iso3 = cd.iso3
        and cd.as_of >= r.release_on
),

latest as (
    select
        d.iso3,
        d.as_of,
        d.row_index,
        i.indicator,
        r.value,
        r.year,
        r.source_id
    from release_on as d
    cross join indicators as i
    left join releases as r
        on r.iso3 = d.iso3
        and r.indicator = i.indicator
        and r.release_on = d.release_on
),

final as (
    select
        -- keys
        l.iso3,
        l.as_of,
        l.row_index,
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
