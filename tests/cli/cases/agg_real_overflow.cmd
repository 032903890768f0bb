aggregate real_overflow.csv --agg sum:b
