aggregate allnull_group.csv --by g --agg distinct:v,distinct:t
