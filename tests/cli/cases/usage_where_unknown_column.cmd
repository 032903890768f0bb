count sales.csv --where 'prise > 3'
