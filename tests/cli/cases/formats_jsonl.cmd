select text,note,id formats.csv --format jsonl
