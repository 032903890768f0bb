aggregate many_bad.csv --agg count,sum:v --on-bad-row skip
