aggregate mixed_eol.csv --by region --agg count,sum:qty,sum:price,min:note
