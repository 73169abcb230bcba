-- Pillar values (0-10): the weighted mean of the observed factors; a pillar with no observed
-- factor takes the config's missing_value and is flagged as imputed.
with

factors as (select * from factors__scaled),

config as (select * from cfg_pillars),

observed as (
    select
        iso3,
        as_of,
        pillar,
        sum(effective_weight * scaled_value) filter (where observed) as observed_value,
        count(*) filter (where observed) as factors_observed,
        count(*) as factors_total
    from factors
    group by iso3, as_of, pillar
),

final as (
    select
        o.iso3,
        o.as_of,
        o.pillar,
        coalesce(o.observed_value, c.missing_value) as value,
        o.observed_value is null as imputed,
        o.factors_observed,
        o.factors_total,
        c.coefficient
    from observed as o
    inner join config as c using (pillar)
)

select * from final
