-- Each factor scaled to 0-10 with the config's fixed caps (never the panel's min/max, so
-- adding data never moves past scores), and its weight within the pillar after dropping
-- missing factors: effective_weight = weight / sum of weights of the observed factors.
with

factors as (select * from factors__raw),

config as (select * from cfg_factors),

scaled as (
    select
        f.*,
        c.label,
        c.weight,
        c.position,
        case when f.observed
            then 10 * least(greatest((f.raw_value - c.lo) / (c.hi - c.lo), 0), 1)
        end as scaled_value
    from factors as f
    inner join config as c using (pillar, factor)
),

final as (
    select
        *,
        case when observed
            then weight / sum(case when observed then weight else 0 end)
                over (partition by iso3, as_of, pillar)
            else 0
        end as effective_weight
    from scaled
)

select * from final
