count ragged.csv --rejects -
