filter sales.csv --where "qty > 3" --limit 3
