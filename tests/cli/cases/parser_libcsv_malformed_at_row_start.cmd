count malformed_after_break.csv --parser libcsv
