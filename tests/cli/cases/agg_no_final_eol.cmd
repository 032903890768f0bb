aggregate no_final_eol.csv --by region --agg count,sum:qty,sum:price
