select 3,region,!qty sales.csv
