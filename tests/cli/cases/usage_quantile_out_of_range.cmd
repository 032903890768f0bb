aggregate sales.csv --agg p100:price
