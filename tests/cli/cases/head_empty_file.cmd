head empty.csv
