aggregate sales.csv --by region --limit 3x
