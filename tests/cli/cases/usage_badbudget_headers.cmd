headers many_bad.csv --max-bad-rows 5
