aggregate sales.csv --by region,1
