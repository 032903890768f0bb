aggregate nulls.csv --by k --agg count,count:v,sum:v,mean:v,min:v,max:v,count:w,min:w,max:w
