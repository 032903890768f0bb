aggregate quoted.csv --by city --agg first:comment,last:name --format jsonl
