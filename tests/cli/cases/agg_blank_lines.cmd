aggregate blank_lines.csv --by region --agg count,sum:qty
