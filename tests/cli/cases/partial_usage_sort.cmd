aggregate sales.csv --by region --partial --sort count:desc -o "$TMP/p"
