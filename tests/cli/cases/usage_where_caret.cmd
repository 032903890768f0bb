count sales.csv --where 'price > (3 + 4'
