aggregate sales.csv nope.csv --by region
