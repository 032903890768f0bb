aggregate part1.csv part3_bad.csv --by region --agg sum:qty
