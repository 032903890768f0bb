count sales.csv --format table
