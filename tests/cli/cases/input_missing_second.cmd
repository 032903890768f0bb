aggregate sales.csv nope.csv --by region -o out_never_written.csv
