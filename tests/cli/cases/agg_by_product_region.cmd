aggregate sales.csv --by product,region --agg sum:qty,max:price
