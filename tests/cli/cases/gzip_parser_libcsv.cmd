count sales.csv.gz --parser libcsv
