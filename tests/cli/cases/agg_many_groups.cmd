aggregate groups_many.csv --by k --agg count,sum:v,mean:v,min:v,max:v,min:t,max:t
