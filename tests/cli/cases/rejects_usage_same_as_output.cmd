count ragged.csv --rejects r.csv -o r.csv
