-- factors__raw keyed for the model: each value's row (its member-date's place in country_dates,
-- in as-of, then iso3 order, which every factor row carries) and column (the factor's place in
-- the config), so the model can place every value in its arrays without joining on names.
with

factors as (select * from factors__raw),

config as (select * from cfg_factors),

final as (
    select
        -- keys
        f.row_index,
        c.column_index,
        -- measures
        f.raw_value,
        f.observed,
        -- lineage
        f.evidence_ids,
        f.source_ids
    from factors as f
    -- a factor's name is unique across pillars (the config is checked for it): one string key
    -- to match is about half the work of two, on every factor of every member-date
    inner join config as c using (factor)
)

select * from final
