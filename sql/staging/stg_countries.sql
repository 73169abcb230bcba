-- IMF members that can be scored, with the date from which each is a member (if known).
with

countries as (select * from countries),

final as (
    select
        -- keys
        iso3,
        -- attributes
        name as country,
        region,
        income_group,
        -- dates
        joined_imf_on,
        -- lineage
        source_id
    from countries
    where imf_member
)

select * from final
