aggregate dates.csv --by 'upper(substr(name, 1, 1)),big=price > 5' --agg count --format jsonl
