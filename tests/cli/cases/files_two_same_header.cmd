aggregate part1.csv part2.csv --by region --agg count,sum:qty,sum:price,min:price
