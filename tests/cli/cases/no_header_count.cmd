count -H noheader.csv
