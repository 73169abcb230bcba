-- Systemic banking, currency and sovereign debt crisis years (public when they happen).
with

crises as (select * from crisis_years),

final as (
    select
        iso3,
        crisis_type,
        year,
        make_date(year, 12, 31) as known_on,
        source_id
    from crises
)

select * from final
