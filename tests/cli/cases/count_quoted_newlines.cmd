count quoted.csv
