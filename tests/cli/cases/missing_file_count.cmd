count nope.csv
