aggregate expo.csv --by g --agg count:x,sum:x,mean:x,min:x,max:x
