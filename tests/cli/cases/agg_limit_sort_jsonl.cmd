aggregate sales.csv --by region,product --agg count,sum:price --sort price_sum --limit 4 --format jsonl
