aggregate bigint.csv --agg count,sum:n,min:n,max:n
