-- Month-end BTC/USD closes, known at the close.
with

prices as (select * from btc_usd_monthly),

final as (
    select
        month_end_on,
        month_end_on as known_on,
        close_usd,
        source_id
    from prices
)

select * from final
