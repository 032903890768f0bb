head -n 1 where_then_ragged.csv --where 'a == 2'
