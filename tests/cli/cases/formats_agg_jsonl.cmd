aggregate formats.csv --by note --agg count,max:text --format jsonl
