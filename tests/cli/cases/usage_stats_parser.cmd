stats sales.csv --parser libcsv
