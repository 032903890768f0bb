head -n 2 head_then_bad.csv --on-bad-row skip --max-bad-rows 0
