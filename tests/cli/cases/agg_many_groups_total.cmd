aggregate groups_many.csv --agg count,sum:v,mean:v,min:v,max:v
