filter quoted.csv --where 'qty == 1' --format tsv
