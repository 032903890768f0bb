head -n 4 quoted.csv --format table
