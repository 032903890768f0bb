aggregate sales.csv --by region --range 0:100
