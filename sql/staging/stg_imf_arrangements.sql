-- IMF arrangements with the day each stops being in force (actual end, else scheduled end,
-- else an assumed default duration).
with

arrangements as (select * from imf_arrangements),

params as (select * from cfg_scalars),

final as (
    select
        -- keys
        a.arrangement_id,
        a.iso3,
        -- attributes
        a.facility,
        a.instrument_kind,
        a.status,
        -- measures: US$ where the source gives it, else SDR converted at the configured rate
        a.amount_sdr_m,
        coalesce(a.amount_usd_m, a.amount_sdr_m * p.engagement_usd_per_sdr) as amount_usd_m,
        -- dates
        a.approved_on,
        a.expires_on,
        a.ended_on,
        coalesce(
            a.ended_on,
            a.expires_on,
            a.approved_on + to_months(cast(p.engagement_default_duration_months as integer))
        ) as in_force_until,
        a.expires_on is null and a.ended_on is null as end_is_assumed,
        -- lineage
        a.source_id
    from arrangements as a
    cross join params as p
)

select * from final
