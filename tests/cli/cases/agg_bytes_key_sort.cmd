aggregate mixedkey.csv --by k --agg count,sum:v
