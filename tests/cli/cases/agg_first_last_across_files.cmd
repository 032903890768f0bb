aggregate part1.csv part2.csv --by region --agg first:qty,last:qty,count
