aggregate bigint.csv --by g --agg sum:n,mean:n,min:n,max:n
