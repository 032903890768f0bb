headers quoted.csv
