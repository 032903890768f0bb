aggregate quoted_lines_bad.csv --by id --agg sum:v
