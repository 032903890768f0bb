stats -H stats_bad.csv --on-bad-row skip -q
