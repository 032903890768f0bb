head -n 3 -H sales.csv --format table
