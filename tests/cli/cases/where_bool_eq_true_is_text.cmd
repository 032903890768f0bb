filter stats_types.csv --where 'flag == true'
