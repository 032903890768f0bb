aggregate meanfmt.csv --by g --agg mean:v,sum:v,min:v,max:v
