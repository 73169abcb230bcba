-- IMF responses on a member's crypto policy (membership-wide policy papers are not a country's).
with

responses as (select * from imf_crypto_responses),

final as (
    select
        -- keys
        response_id,
        iso3,
        -- attributes
        response_type,
        stance,
        channel,
        linked_action_ids,
        description,
        -- dates
        responded_on,
        responded_on as known_on,
        -- lineage
        source_id
    from responses
    where iso3 <> 'WLD'
)

select * from final
