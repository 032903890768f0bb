aggregate notnum.csv --agg median:price
