aggregate notnum.csv --by id --agg min:price,max:price
