-- The score (0-100): 100 x (E/10) x (base + engagement x L/10 + vulnerability x V/10),
-- its band, its rank on the date (1 = riskiest) and its completeness (share of factors
-- observed rather than missing).
with

pillars as (select * from pillars),

countries as (select * from country_dates),

bands as (select * from cfg_bands),

wide as (
    select
        iso3,
        as_of,
        max(value) filter (where pillar = 'exposure') as exposure,
        max(value) filter (where pillar = 'engagement') as engagement,
        max(value) filter (where pillar = 'vulnerability') as vulnerability,
        max(coefficient) filter (where pillar = 'exposure') as base_coefficient,
        max(coefficient) filter (where pillar = 'engagement') as engagement_coefficient,
        max(coefficient) filter (where pillar = 'vulnerability') as vulnerability_coefficient,
        sum(factors_observed) / sum(factors_total) as completeness
    from pillars
    group by iso3, as_of
),

scored as (
    select
        *,
        100 * (exposure / 10) * (
            base_coefficient
            + engagement_coefficient * engagement / 10
            + vulnerability_coefficient * vulnerability / 10
        ) as score
    from wide
),

final as (
    select
        -- keys
        s.iso3,
        c.country,
        s.as_of,
        -- measures
        s.score,
        (
            select arg_max(b.band, b.lower_bound)
            from bands as b
            where b.lower_bound <= s.score
        ) as band,
        row_number() over (partition by s.as_of order by s.score desc, s.iso3) as rank,
        s.exposure,
        s.engagement,
        s.vulnerability,
        s.completeness
    from scored as s
    inner join countries as c using (iso3, as_of)
)

select * from final
