aggregate sales.csv --by product
