filter sales.csv --where 'qty > 8' --format table
