count no_final_eol.csv
