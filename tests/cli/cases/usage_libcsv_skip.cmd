count many_bad.csv --on-bad-row skip --parser libcsv
