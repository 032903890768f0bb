aggregate quoted.csv --by name --agg count,sum:qty,sum:4,max:comment
