count unterminated.csv
