select 'note,price,region' sales.csv --format table
