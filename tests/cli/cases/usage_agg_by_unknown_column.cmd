aggregate dates.csv --by 'd=substr(tz, 1, 4)'
