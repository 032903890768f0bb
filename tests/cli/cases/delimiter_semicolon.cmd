aggregate semicolon.csv -d ';' --by region --agg count,sum:qty,sum:price
