aggregate allnull_group.csv --by g --agg count,sum:v,max:t --sort t_max
