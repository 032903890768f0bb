aggregate allnull_group.csv --by g --agg count,count:v,sum:v,mean:v,min:v,max:v,count:t,min:t,max:t
