count many_bad.csv --on-bad-row warn --max-bad-rows 49.99%
