aggregate allnull_group.csv --by g --agg median:v,p50:v --sort v_median:desc
