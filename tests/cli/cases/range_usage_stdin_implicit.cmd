aggregate --by region --partial --range 0:20 -o "$TMP/p"
