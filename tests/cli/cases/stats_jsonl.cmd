stats stats_types.csv --format jsonl
