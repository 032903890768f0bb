filter sales.csv --where 'qty > 8 && region != "West"'
