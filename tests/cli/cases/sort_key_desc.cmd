aggregate sales.csv --by region,product --agg sum:qty --sort region:desc
