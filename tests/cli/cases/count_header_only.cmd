count header_only.csv
