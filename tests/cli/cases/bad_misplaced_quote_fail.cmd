aggregate misplaced_quote.csv --by name
