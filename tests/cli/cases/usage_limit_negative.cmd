aggregate sales.csv --by region --limit -1
