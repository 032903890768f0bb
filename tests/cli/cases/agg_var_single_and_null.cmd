aggregate allnull_group.csv --by g --agg var:v,stddev:v
