aggregate sales.csv.zst --by region --partial --range 0:100 -o "$TMP/p"
