aggregate blank_lines_bad.csv --by region
