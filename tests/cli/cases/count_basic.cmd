count sales.csv
