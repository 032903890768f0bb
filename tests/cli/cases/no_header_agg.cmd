aggregate noheader.csv -H --by 1 --agg count,sum:2,mean:3,max:3
