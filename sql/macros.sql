-- Scalar macros the models share, created before any model runs (run this file first when
-- opening a model in the DuckDB CLI).

-- months between two days, at the average Gregorian month (365.25 / 12 days)
create or replace temp macro months_between(from_day, to_day) as
    date_diff('day', from_day, to_day) / 30.4375;

-- a lineage list (the ids of the rows or sources behind a value), or an empty list when the
-- caller bound with_lineage = false: the list aggregates behind it are then never computed
create or replace temp macro lineage(ids) as
    case when getvariable('with_lineage') then cast(ids as varchar[]) else cast([] as varchar[]) end;
