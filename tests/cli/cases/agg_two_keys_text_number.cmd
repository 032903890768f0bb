aggregate multikey.csv --by a,b --agg count,sum:v
