aggregate ragged.csv --parser libcsv --rejects r.csv
