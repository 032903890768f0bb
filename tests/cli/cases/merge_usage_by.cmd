merge "$TMP/p" --by region
