aggregate sales.csv --agg sum:price,sum:4
