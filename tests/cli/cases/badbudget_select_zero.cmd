select v many_bad.csv --on-bad-row warn --max-bad-rows 0
