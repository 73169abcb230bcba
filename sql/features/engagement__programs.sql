-- What IMF engagement is in force on each as-of date: arrangements (by instrument), recent
-- emergency financing, staff-level agreements awaiting the Board; the size of the lending and
-- the months since the last completed review.
with

country_dates as (select * from country_dates),

arrangements as (select * from stg_imf_arrangements),

reviews as (select * from stg_imf_reviews),

agreements as (select * from stg_imf_staff_level_agreements),

denominators as (select * from denominators),

levels as (select * from cfg_program_level),

params as (select * from cfg_scalars),

coverage as (select * from coverage),

-- after the review table's cutoff a missing review is unknown, not late: the clock stops there
review_clock as (
    select coalesce(
        max(observed_through) filter (where table_name = 'imf_reviews'), date '9999-12-31'
    ) as reviews_known_through
    from coverage
),

in_force as (
    select
        cd.iso3,
        cd.as_of,
        a.arrangement_id,
        a.instrument_kind,
        a.amount_usd_m,
        a.approved_on,
        a.source_id
    from country_dates as cd
    cross join params as p
    inner join arrangements as a
        on a.iso3 = cd.iso3
        and a.approved_on <= cd.as_of
        and (
            (a.instrument_kind <> 'emergency' and cd.as_of < a.in_force_until)
            or (
                a.instrument_kind = 'emergency'
                and cd.as_of < a.approved_on
                    + to_months(cast(p.engagement_emergency_window_months as integer))
            )
        )
),

-- an SLA on a new arrangement counts until the Board approves one or the window passes
pending_agreements as (
    select
        cd.iso3,
        cd.as_of,
        s.facility,
        s.announced_on,
        s.source_id
    from country_dates as cd
    cross join params as p
    inner join agreements as s
        on s.iso3 = cd.iso3
        and s.announced_on <= cd.as_of
        and cd.as_of < s.announced_on + to_days(cast(p.engagement_sla_window_days as integer))
    where not exists (
        select 1
        from arrangements as a
        where a.iso3 = s.iso3
            and a.approved_on >= s.announced_on
            and a.approved_on <= cd.as_of
    )
),

level_rows as (
    select iso3, as_of, instrument_kind as level, arrangement_id as evidence_id, source_id
    from in_force
    union all
    select iso3, as_of, 'staff_level_agreement', 'SLA ' || facility || ' ' || announced_on, source_id
    from pending_agreements
),

program_level as (
    select
        r.iso3,
        r.as_of,
        max(l.value) as level_value,
        list(distinct r.evidence_id order by r.evidence_id) as evidence_ids,
        list(distinct r.source_id order by r.source_id) as source_ids
    from level_rows as r
    inner join levels as l using (level)
    group by r.iso3, r.as_of
),

lending as (
    select
        iso3,
        as_of,
        list_sum(list(amount_usd_m order by arrangement_id)) as amount_usd_m,
        bool_or(amount_usd_m is null) as amount_missing,
        max(approved_on) as latest_approval_on,
        list(arrangement_id order by arrangement_id) as evidence_ids,
        list(distinct source_id order by source_id) as source_ids
    from in_force
    where instrument_kind in ('lending', 'non_lending')
    group by iso3, as_of
),

-- one row per arrangement and completion day (the highest review number that day), so the
-- latest review on or before a date is unique and the evidence it names never flips
reviews_by_day as (
    select
        arrangement_id,
        completed_on,
        max(review_no) as review_no,
        arg_max(source_id, review_no) as source_id
    from reviews
    group by arrangement_id, completed_on
),

latest_reviews as (
    select
        f.iso3,
        f.as_of,
        r.completed_on,
        r.review_no,
        f.arrangement_id,
        r.source_id,
        f.arrangement_id || ' review ' || r.review_no as evidence_id
    from in_force as f
    asof inner join reviews_by_day as r
        on r.arrangement_id = f.arrangement_id
        and f.as_of >= r.completed_on
),

last_review as (
    select
        iso3,
        as_of,
        max(completed_on) as completed_on,
        -- reviews completed on the same day: the later review number, then the arrangement id,
        -- so the evidence picked never depends on the order rows arrive in
        arg_max(source_id, (completed_on, review_no, arrangement_id)) as source_id,
        arg_max(evidence_id, (completed_on, review_no, arrangement_id)) as evidence_id
    from latest_reviews
    group by iso3, as_of
),

final as (
    select
        -- keys
        cd.iso3,
        cd.as_of,
        cd.row_index,
        -- measures
        coalesce(pl.level_value, 0) as program_level,
        case
            when ln.iso3 is null then 0
            when ln.amount_missing or d.gdp_usd_bn is null then null
            else 100 * ln.amount_usd_m / (d.gdp_usd_bn * 1e3)
        end as program_size_pct_gdp,
        -- with no completed review on record, the months since approval count only while no
        -- review was due yet; after that the gap is unknown (reviews are missing for many
        -- post-2021 programs), not a delay
        case
            when ln.iso3 is null then 0
            when lr.completed_on is null
                and months_between(ln.latest_approval_on, least(cd.as_of, rc.reviews_known_through))
                    > p.engagement_review_due_months
                then null
            else months_between(
                greatest(ln.latest_approval_on, coalesce(lr.completed_on, ln.latest_approval_on)),
                least(cd.as_of, rc.reviews_known_through)
            )
        end as months_since_review,
        -- lineage
        lineage(coalesce(pl.evidence_ids, [])) as level_evidence_ids,
        lineage(coalesce(pl.source_ids, [])) as level_source_ids,
        lineage(coalesce(ln.evidence_ids, [])) as lending_evidence_ids,
        lineage(case when ln.iso3 is null then []
            else list_filter(ln.source_ids || [d.gdp_source_id], lambda s: s is not null) end)
            as size_source_ids,
        lineage(case when lr.evidence_id is null then coalesce(ln.evidence_ids, [])
            else [lr.evidence_id] end) as review_evidence_ids,
        lineage(case when lr.source_id is null then coalesce(ln.source_ids, [])
            else [lr.source_id] end) as review_source_ids
    from country_dates as cd
    left join program_level as pl using (iso3, as_of)
    left join lending as ln using (iso3, as_of)
    left join last_review as lr using (iso3, as_of)
    left join denominators as d using (iso3, as_of)
    cross join params as p
    cross join review_clock as rc
)

select * from final
