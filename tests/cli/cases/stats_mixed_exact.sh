# a column mixing decimals and reals: mean and stddev exact, rounded once
# (issue 11: the decimal part joined as its nearest double)
printf 'x\n123456789.123\n123456789.123\n1e0\n' > "$TMP/a.csv"
$PCSV stats "$TMP/a.csv" $VARY
printf 'x\n1000000000.1\n1000000000.2\n1.0000000003e9\n' > "$TMP/b.csv"
$PCSV stats "$TMP/b.csv" $VARY
