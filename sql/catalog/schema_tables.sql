-- `riskscore sql --schema`: every table and view in the database with its description (COMMENT).
with tables as (
    select
        table_name as name,
        'table' as type,
        estimated_size as rows,
        comment as description
    from duckdb_tables()
    where database_name = current_database() and not temporary
),

views as (
    select
        view_name as name,
        'view' as type,
        cast(null as bigint) as rows,
        comment as description
    from duckdb_views()
    where database_name = current_database() and not internal and not temporary
),

final as (
    select * from tables
    union all
    select * from views
)

select * from final
where $table is null or name = $table
order by name
