count mixed_eol.csv
