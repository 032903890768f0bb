count many_bad.csv --on-bad-row fail --max-bad-rows 3
