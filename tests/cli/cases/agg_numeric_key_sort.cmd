aggregate numkey.csv --by k --agg count,sum:v
