-- Every IMF member on every as-of date it was a member (joining date used where known).
with

countries as (select * from stg_countries),

dates as (select * from as_of_dates),

final as (
    select
        c.iso3,
        d.as_of,
        c.country
    from countries as c
    cross join dates as d
    where c.joined_imf_on is null or c.joined_imf_on <= d.as_of
)

select * from final
