stats stats_bad.csv --on-bad-row skip
