aggregate crlf.csv --by region --agg count,sum:qty,sum:price,max:price,max:note
