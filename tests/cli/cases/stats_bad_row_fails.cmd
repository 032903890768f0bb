stats stats_bad.csv
