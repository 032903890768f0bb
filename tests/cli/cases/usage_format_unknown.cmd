aggregate sales.csv --by region --format tables
