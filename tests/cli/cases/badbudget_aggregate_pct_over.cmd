aggregate notnumbers.csv --by k --agg sum:v --on-bad-row skip --max-bad-rows 5%
