aggregate sales.csv --agg count,sum:qty --limit 1
