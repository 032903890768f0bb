aggregate where_excluded_bad_value.csv --where 'a == 1' --agg sum:b
