aggregate part1.csv other_header.csv --by region
