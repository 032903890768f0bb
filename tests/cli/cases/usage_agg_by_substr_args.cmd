aggregate dates.csv --by 'd=substr(ts, 1, 2, 3)'
