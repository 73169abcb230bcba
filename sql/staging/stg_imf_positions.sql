-- IMF credit outstanding in US$ m, from the IMF finances report (SDR, converted) and the
-- World Bank's yearly use-of-IMF-credit series, each with its publication day.
with

positions as (select * from imf_positions),

params as (select * from cfg_scalars),

finances_report as (
    select
        po.iso3,
        po.as_of,
        po.value * p.engagement_usd_per_sdr as credit_usd_m,
        po.as_of + to_days(cast(p.publication_lag_positions_days_after_as_of as integer)) as known_on,
        po.source_id
    from positions as po
    cross join params as p
    where po.measure = 'total_credit_sdr_m'
),

world_bank as (
    select
        po.iso3,
        po.as_of,
        po.value as credit_usd_m,
        po.as_of + to_months(cast(p.publication_lag_wdi_months_after_year_end as integer)) as known_on,
        po.source_id
    from positions as po
    cross join params as p
    where po.measure = 'use_of_imf_credit_usd_m'
),

final as (
    select * from finances_report
    union all by name
    select * from world_bank
)

select * from final
