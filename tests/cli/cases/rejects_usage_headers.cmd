headers ragged.csv --rejects r.csv
