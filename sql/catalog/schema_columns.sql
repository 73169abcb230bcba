-- `riskscore sql --schema TABLE`: the columns of one table or view, their types and descriptions.
with columns as (
    select
        column_index,
        column_name as name,
        data_type as type,
        comment as description
    from duckdb_columns()
    where database_name = current_database() and table_name = $table
),

final as (
    select * from columns
)

select name, type, description
from final
order by column_index
