-- Annual electricity generation as average power (MW), published a year after year end.
with

generation as (select * from electricity_generation),

params as (select * from cfg_scalars),

final as (
    select
        -- keys
        g.iso3,
        g.year,
        -- measures: TWh per year -> average MW (1 TWh = 1e6 MWh; 8,760 hours a year)
        g.generation_twh,
        g.generation_twh * 1e6 / 8760 as average_mw,
        -- dates
        make_date(g.year, 12, 31)
            + to_months(cast(p.publication_lag_electricity_months_after_year_end as integer))
            as known_on,
        -- lineage
        g.source_id
    from generation as g
    cross join params as p
)

select * from final
