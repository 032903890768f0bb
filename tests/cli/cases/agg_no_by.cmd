aggregate sales.csv --agg count,count:note,sum:qty,sum:price,mean:qty,mean:price,min:qty,max:qty,min:price,max:price
