-- Every IMF member on every as-of date it was a member (joining date used where known); on
-- the dates the caller bound as partial_dates, only the members it bound as partial_members
-- (the backtest scores every member at month ends, only those that can score above 0 on
-- the days between). `row_index` numbers the rows in as-of, then iso3 order: every factor row
-- carries it, so the model places a value in its arrays without matching codes and dates.
with

countries as (select * from stg_countries),

dates as (select * from as_of_dates),

final as (
    select
        c.iso3,
        d.as_of,
        row_number() over (order by d.as_of, c.iso3) - 1 as row_index,
        c.country
    from countries as c
    cross join dates as d
    where (c.joined_imf_on is null or c.joined_imf_on <= d.as_of)
        and (
            -- unbound (a model run by hand in the DuckDB CLI): every member on every date
            not coalesce(list_contains(getvariable('partial_dates'), d.as_of), false)
            or list_contains(getvariable('partial_members'), c.iso3)
        )
)

select * from final
