head -n 2 quoted.csv
