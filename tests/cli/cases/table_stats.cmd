stats sales.csv --format table
