aggregate hugedecimal.csv --by g --agg sum:v,min:v,max:v
