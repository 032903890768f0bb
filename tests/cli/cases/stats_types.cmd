stats stats_types.csv
