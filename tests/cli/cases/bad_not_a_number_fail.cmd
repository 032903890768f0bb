aggregate notnum.csv --by id --agg sum:price
