aggregate sales.csv --by 1 --agg sum:3,max:4,count:5
