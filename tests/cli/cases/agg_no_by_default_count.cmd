aggregate sales.csv
