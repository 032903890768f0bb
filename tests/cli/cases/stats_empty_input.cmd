stats empty.csv
