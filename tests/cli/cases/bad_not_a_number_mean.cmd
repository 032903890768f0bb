aggregate notnum.csv --agg mean:price
