aggregate sales.csv.gz --by region --partial --range 0:100 -o "$TMP/p"
