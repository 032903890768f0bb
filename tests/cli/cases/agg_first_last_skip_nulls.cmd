aggregate allnull_group.csv --by g --agg first:v,last:v,first:t,last:t
