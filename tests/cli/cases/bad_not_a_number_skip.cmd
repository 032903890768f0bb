aggregate notnum.csv --by id --agg sum:price,count --on-bad-row skip
