aggregate allnull_group.csv --by g --agg count,sum:v,max:t --sort v_sum:desc
