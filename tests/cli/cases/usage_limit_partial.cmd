aggregate sales.csv --by region --limit 3 --partial -o "$TMP/p"
