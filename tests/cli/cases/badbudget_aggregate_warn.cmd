aggregate notnumbers.csv --agg count,sum:v --on-bad-row warn --max-bad-rows 2
