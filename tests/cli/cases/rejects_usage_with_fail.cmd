count ragged.csv --on-bad-row fail --rejects r.csv
