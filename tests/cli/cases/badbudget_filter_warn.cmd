filter many_bad.csv --where 'v > 10' --on-bad-row warn --max-bad-rows 1
