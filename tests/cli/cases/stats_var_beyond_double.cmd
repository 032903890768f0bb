stats huge_reals.csv
