aggregate unterminated.csv --by name
