stats stats_bad.csv --on-bad-row skip --max-bad-rows 1
