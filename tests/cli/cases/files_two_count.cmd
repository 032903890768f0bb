count part1.csv part2.csv
