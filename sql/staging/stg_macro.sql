-- Actual (not projected) values of the macro indicators the model reads, with the day each is
-- taken to have been published: WEO values for year Y from the April WEO of Y+1, World Bank
-- values a year after year end. The other indicators stay in the package for analysts (a
-- panel of cloned members would otherwise carry millions of rows nothing reads).
with

macro as (select * from macro),

params as (select * from cfg_scalars),

-- GDP (to size exposure and programs) and the vulnerability factors
indicators as (
    select 'gdp_usd_bn' as indicator
    union
    select factor from cfg_factors
    where pillar = 'vulnerability'
),

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
        and m.indicator in (select indicator from indicators)
)

select * from final
