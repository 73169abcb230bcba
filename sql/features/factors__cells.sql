-- factors__raw keyed for the model: each value's row (its member-date in as-of, then iso3
-- order, the order of country_dates) and column (the factor's place in the config), so the
-- model can place every value in its arrays without joining on names.
with

factors as (select * from factors__raw),

country_dates as (select * from country_dates),

config as (select * from cfg_factors),

numbered as (
    select
        iso3,
        as_of,
        row_number() over (order by as_of, iso3) - 1 as row_index
    from country_dates
),

final as (
    select
        -- keys
        n.row_index,
        c.column_index,
        -- measures
        f.raw_value,
        f.observed,
        -- lineage
        f.evidence_ids,
        f.source_ids
    from factors as f
    inner join numbered as n using (iso3, as_of)
    -- a factor's name is unique across pillars (the config is checked for it): one string key
    -- to match is about half the work of two, on every factor of every member-date
    inner join config as c using (factor)
)

select * from final
