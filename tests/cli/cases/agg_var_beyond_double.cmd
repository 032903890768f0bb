aggregate huge_reals.csv --agg var:x
