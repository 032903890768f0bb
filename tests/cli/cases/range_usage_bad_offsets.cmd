aggregate sales.csv --by region --partial --range 100:50 -o "$TMP/p"
