-- The IMF engagement pillar's factors, one row per country, date and factor.
with

country_dates as (select * from country_dates),

programs as (select * from engagement__programs),

credit_news as (select * from stg_imf_credit_news),

responses as (select * from stg_imf_crypto_responses),

denominators as (select * from denominators),

stances as (select * from cfg_attention_stance),

params as (select * from cfg_scalars),

-- per as-of date, the latest publication day on or before it and the best figure known then
latest_credit as (
    select
        cd.iso3,
        cd.as_of,
        c.credit_usd_m,
        c.source_id,
        c.credit_as_of
    from country_dates as cd
    cross join params as p
    asof inner join credit_news as c
        on c.iso3 = cd.iso3
        and cd.as_of >= c.known_on
    where year(c.credit_as_of) >= year(cd.as_of) - p.freshness_macro_max_age_years
),

attention as (
    select
        cd.iso3,
        cd.as_of,
        -- summed in response order, so the total never depends on the order rows arrive in
        list_sum(list(s.weight * pow(0.5,
            months_between(r.responded_on, cd.as_of) / p.engagement_attention_half_life_months
        ) order by r.response_id)) as attention,
        list(r.response_id order by r.response_id) as evidence_ids,
        list(distinct r.source_id order by r.source_id) as source_ids
    from country_dates as cd
    cross join params as p
    inner join responses as r
        on r.iso3 = cd.iso3
        and r.known_on <= cd.as_of
    inner join stances as s using (stance)
    group by cd.iso3, cd.as_of
),

final as (
    select iso3, as_of, row_index, 'engagement' as pillar, 'program_in_force' as factor,
        program_level as raw_value, true as observed,
        level_evidence_ids as evidence_ids, level_source_ids as source_ids
    from programs
    union all
    select iso3, as_of, row_index, 'engagement', 'program_size_pct_gdp',
        program_size_pct_gdp, program_size_pct_gdp is not null,
        lending_evidence_ids, size_source_ids
    from programs
    union all
    select iso3, as_of, row_index, 'engagement', 'months_since_review',
        months_since_review, months_since_review is not null,
        review_evidence_ids, review_source_ids
    from programs
    union all
    select cd.iso3, cd.as_of, cd.row_index, 'engagement', 'imf_credit_pct_gdp',
        100 * c.credit_usd_m / (d.gdp_usd_bn * 1e3),
        c.credit_usd_m is not null and d.gdp_usd_bn is not null,
        case when c.credit_usd_m is null then [] else ['IMF credit ' || c.credit_as_of] end,
        list_filter([c.source_id, d.gdp_source_id], lambda s: s is not null)
    from country_dates as cd
    left join latest_credit as c using (iso3, as_of)
    left join denominators as d using (iso3, as_of)
    union all
    select cd.iso3, cd.as_of, cd.row_index, 'engagement', 'imf_crypto_attention',
        coalesce(a.attention, 0), true,
        coalesce(a.evidence_ids, []), coalesce(a.source_ids, [])
    from country_dates as cd
    left join attention as a using (iso3, as_of)
)

select * from final
