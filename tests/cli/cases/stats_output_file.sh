$PCSV stats sales.csv -o "$TMP/s.csv" $VARY && cat "$TMP/s.csv"
