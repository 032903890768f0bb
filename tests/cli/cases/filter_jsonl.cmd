filter quoted.csv --where 'qty <= 2' --select name,comment --format jsonl
