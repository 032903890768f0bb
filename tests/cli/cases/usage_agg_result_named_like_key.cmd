aggregate sales.csv --by region --agg region=count
