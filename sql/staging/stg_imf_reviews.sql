-- Completed program reviews, with the country they belong to.
with

reviews as (select * from imf_reviews),

arrangements as (select arrangement_id, iso3 from imf_arrangements),

final as (
    select
        -- keys
        r.arrangement_id,
        r.review_no,
        a.iso3,
        -- dates
        r.scheduled_on,
        r.completed_on,
        -- measures
        r.amount_sdr_m,
        -- lineage
        r.source_id
    from reviews as r
    inner join arrangements as a using (arrangement_id)
    where r.completed_on is not null
)

select * from final
