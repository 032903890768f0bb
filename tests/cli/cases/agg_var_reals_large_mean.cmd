aggregate var_reals.csv --agg var:x,stddev:x,mean:x
