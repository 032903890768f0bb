aggregate sales.csv --by region --partial -o "$TMP/p.zst"
