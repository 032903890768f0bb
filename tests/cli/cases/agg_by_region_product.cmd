aggregate sales.csv --by region,product --agg count,sum:qty,sum:price,mean:qty
