aggregate header_only.csv --by region --agg count,sum:qty
