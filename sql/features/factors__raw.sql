-- Every factor of every pillar, one row per country, as-of date and factor, with the raw
-- value, whether it was observed, and the rows (evidence_ids) and sources behind it.
with

exposure as (select * from exposure__factors),

engagement as (select * from engagement__factors),

vulnerability as (select * from vulnerability__factors),

unioned as (
    select * from exposure
    union all by name
    select * from engagement
    union all by name
    select * from vulnerability
),

final as (
    select
        -- keys
        iso3,
        as_of,
        row_index,
        pillar,
        factor,
        -- measures
        cast(raw_value as double) as raw_value,
        observed and raw_value is not null as observed,
        -- lineage
        lineage(evidence_ids) as evidence_ids,
        -- a row may cite several sources joined by ';': list each once
        lineage(list_sort(list_distinct(flatten(
            list_transform(source_ids, lambda s: string_split(s, ';'))
        )))) as source_ids
    from unioned
)

select * from final
