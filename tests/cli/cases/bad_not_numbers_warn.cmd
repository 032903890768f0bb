aggregate notnumbers.csv --by k --agg count,sum:v,mean:v --on-bad-row warn
