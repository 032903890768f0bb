aggregate sales.csv --frob
