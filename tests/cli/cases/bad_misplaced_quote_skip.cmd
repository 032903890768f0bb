aggregate misplaced_quote.csv --by name --on-bad-row skip
