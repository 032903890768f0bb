head -n 3 head_then_bad.csv --on-bad-row skip
