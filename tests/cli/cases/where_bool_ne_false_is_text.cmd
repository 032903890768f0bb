filter stats_types.csv --where 'flag != false'
