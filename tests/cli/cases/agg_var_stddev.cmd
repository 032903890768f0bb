aggregate sales.csv --by region --agg count,var:price,stddev:qty,stddev:price
