aggregate quoted_lines_bad.csv --by id --agg count,sum:v --on-bad-row warn
