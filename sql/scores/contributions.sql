-- Points each factor adds to the score; they sum to the score exactly:
--   score = 100*base*E/10 + 100*(E/10)*engagement*L/10 + 100*(E/10)*vulnerability*V/10
-- and each pillar's term is split across its factors by effective_weight x scaled_value.
-- An imputed pillar appears as one row (factor 'missing_value_imputed').
with

factors as (select * from factors__scaled),

pillars as (select * from pillars),

scores as (select iso3, as_of, exposure from scores),

multipliers as (
    select
        p.iso3,
        p.as_of,
        p.pillar,
        p.imputed,
        p.value as pillar_value,
        -- points per unit of (effective_weight x scaled_value) in this pillar
        case when p.pillar = 'exposure' then 10 * p.coefficient
            else 10 * p.coefficient * s.exposure / 10
        end as points_per_unit
    from pillars as p
    inner join scores as s using (iso3, as_of)
),

factor_points as (
    select
        f.iso3,
        f.as_of,
        f.pillar,
        f.factor,
        f.label,
        f.position,
        f.raw_value,
        f.scaled_value,
        f.effective_weight as weight,
        f.observed,
        case when f.observed then m.points_per_unit * f.effective_weight * f.scaled_value else 0 end
            as points,
        f.evidence_ids,
        f.source_ids
    from factors as f
    inner join multipliers as m using (iso3, as_of, pillar)
    where not m.imputed
),

imputed_points as (
    select
        m.iso3,
        m.as_of,
        m.pillar,
        'missing_value_imputed' as factor,
        'No factor observed: pillar set to its missing value' as label,
        99 as position,
        cast(null as double) as raw_value,
        m.pillar_value as scaled_value,
        1.0 as weight,
        false as observed,
        m.points_per_unit * m.pillar_value as points,
        cast([] as varchar[]) as evidence_ids,
        cast([] as varchar[]) as source_ids
    from multipliers as m
    where m.imputed
),

final as (
    select * from factor_points
    union all by name
    select * from imputed_points
)

select * from final
