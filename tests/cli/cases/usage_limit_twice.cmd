aggregate sales.csv --by region --limit 3 --limit 4
