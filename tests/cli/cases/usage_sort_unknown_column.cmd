aggregate sales.csv --by region --agg count --sort nope
