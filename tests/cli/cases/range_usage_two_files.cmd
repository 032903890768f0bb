aggregate part1.csv part2.csv --by region --partial --range 0:20 -o "$TMP/p"
