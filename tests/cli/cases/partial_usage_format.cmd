aggregate sales.csv --by region --partial --format tsv -o "$TMP/p"
