-- The as-of dates being scored, bound by the caller: SET VARIABLE as_of_dates = [DATE '...'].
with

final as (
    select distinct unnest(getvariable('as_of_dates'))::date as as_of
)

select * from final
