head -n 30 many_bad.csv --on-bad-row skip --max-bad-rows 3
