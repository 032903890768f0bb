count bom.csv
