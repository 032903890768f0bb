aggregate bigint_huge.csv --by g --agg sum:n,min:n,max:n
