count sales.csv empty.csv sales.csv
