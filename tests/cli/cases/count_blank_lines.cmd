count blank_lines.csv
