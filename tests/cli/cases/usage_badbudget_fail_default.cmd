count many_bad.csv --max-bad-rows 3
