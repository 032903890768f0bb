select v many_bad.csv --on-bad-row skip --max-bad-rows 10%
