aggregate sales.csv --by region --agg count,sum:qty --limit 3
