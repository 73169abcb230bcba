-- Staff-level agreements on new arrangements (reviews are tracked through imf_reviews).
with

agreements as (select * from imf_staff_level_agreements),

final as (
    select
        -- keys
        iso3,
        facility,
        -- dates
        announced_on,
        -- measures
        amount_usd_m,
        -- lineage
        source_id
    from agreements
    where stage = 'new arrangement'
)

select * from final
