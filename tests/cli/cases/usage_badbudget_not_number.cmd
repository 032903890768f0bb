count many_bad.csv --on-bad-row skip --max-bad-rows 3x
