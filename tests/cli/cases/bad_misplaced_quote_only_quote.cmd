aggregate misplaced_quote_single.csv --by name
