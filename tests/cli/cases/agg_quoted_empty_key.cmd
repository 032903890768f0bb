aggregate quoted.csv --by city --agg count,min:comment
