aggregate multikey.csv --by b,a --agg count,sum:v
