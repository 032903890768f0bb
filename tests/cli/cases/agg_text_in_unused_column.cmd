aggregate notnum.csv --by id --agg count,sum:qty
