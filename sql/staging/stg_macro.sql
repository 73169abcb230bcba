-- Actual (not projected) macro values with the day each is taken to have been published:
-- WEO values for year Y from the April WEO of Y+1, World Bank values a year after year end.
with

macro as (select * from macro),

params as (select * from cfg_scalars),

final as (
    select
        -- keys
        m.iso3,
        m.indicator,
        m.year,
        -- measures
        m.value,
        m.unit,
        -- dates
        make_date(m.year, 12, 31) + to_months(cast(
            case
                when m.source_id like 'imf_weo%' then p.publication_lag_weo_months_after_year_end
                else p.publication_lag_wdi_months_after_year_end
            end as integer)) as known_on,
        -- lineage
        m.source_id
    from macro as m
    cross join params as p
    where not m.is_projection
)

select * from final
