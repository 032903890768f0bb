aggregate sales.csv --by region --agg count,count:price,sum:qty,sum:price,mean:price,min:price,max:price
