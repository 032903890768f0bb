select 2-4 quoted.csv
