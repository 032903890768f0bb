count unterminated.csv --parser libcsv
