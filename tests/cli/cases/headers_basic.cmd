headers sales.csv
