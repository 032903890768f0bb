aggregate bom.csv --by region --agg count,sum:qty
