frob sales.csv
