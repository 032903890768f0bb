aggregate semicolon.csv --delimiter ';' --agg sum:price
