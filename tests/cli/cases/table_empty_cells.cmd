select 1-3 nulls.csv --format table
