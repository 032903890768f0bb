count ragged.csv --rejects
