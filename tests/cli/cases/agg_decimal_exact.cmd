aggregate decimals.csv --by g --agg sum:v,mean:v,min:v,max:v
