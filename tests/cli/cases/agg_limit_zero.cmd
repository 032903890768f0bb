aggregate sales.csv --by region --agg count,sum:qty --sort count:desc --limit 0
