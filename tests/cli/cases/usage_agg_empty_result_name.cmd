aggregate sales.csv --agg '=sum:price'
