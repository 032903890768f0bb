# --sort on exact results compares them exactly, not as doubles (issue 11):
# 2^53 + 1 and 2^53 are one double apart from nothing
printf 'k,v\na,9007199254740993\nb,9007199254740992\nc,9007199254740991\n' > "$TMP/in.csv"
$PCSV aggregate "$TMP/in.csv" --by k --agg sum:v --sort v_sum $VARY
$PCSV aggregate "$TMP/in.csv" --by k --agg sum:v --sort v_sum:desc $VARY
$PCSV aggregate "$TMP/in.csv" --by k --agg max:v --sort v_max $VARY
# wide sums (beyond 128 bits) and decimals at the column's scale
printf 'k,v\na,99999999999999999999999999999999999999\na,1\nb,99999999999999999999999999999999999999\nb,0.5\nc,99999999999999999999999999999999999999\nc,1.50\n' > "$TMP/w.csv"
$PCSV aggregate "$TMP/w.csv" --by k --agg sum:v --sort v_sum:desc $VARY
# decimals mixed with a real: the exact values decide between equal doubles
printf 'k,v\na,9007199254740993\nb,9007199254740992e0\nc,9007199254740992.5\n' > "$TMP/m.csv"
$PCSV aggregate "$TMP/m.csv" --by k --agg min:v,first:v --sort v_first $VARY
