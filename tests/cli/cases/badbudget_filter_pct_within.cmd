filter many_bad.csv --where 'v > 40' --on-bad-row skip --max-bad-rows 60%
