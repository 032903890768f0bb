count sales.csv --partial --format jsonl -o "$TMP/p"
