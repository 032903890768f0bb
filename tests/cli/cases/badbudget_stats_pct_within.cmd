stats stats_bad.csv --on-bad-row warn --max-bad-rows 67%
