# --sort on a key column other than the first (issue 11): K and K:asc used
# to keep the key order; numeric when every value is a number, ties in key
# order, nulls last in both directions
printf 'a,b\nx,2\ny,1\nz,3\nw,10\nv,\nu,1\n' > "$TMP/in.csv"
$PCSV aggregate "$TMP/in.csv" --by a,b --sort b $VARY
$PCSV aggregate "$TMP/in.csv" --by a,b --sort b:asc $VARY
$PCSV aggregate "$TMP/in.csv" --by a,b --sort b:desc $VARY
$PCSV aggregate "$TMP/in.csv" --by a,b --sort a:desc $VARY
