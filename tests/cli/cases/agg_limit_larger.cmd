aggregate sales.csv --by region --agg count --sort count:desc --limit 100
