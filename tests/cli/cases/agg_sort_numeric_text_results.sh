# --sort on first/last and text-mode min/max results: numeric when every
# value of the result column is a number (issue 11: 117 sorted before 3)
printf 'k,v\na,117\nb,3\nc,20\nd,\nb,1e1\n' > "$TMP/in.csv"
$PCSV aggregate "$TMP/in.csv" --by k --agg first:v,last:v --sort v_first $VARY
$PCSV aggregate "$TMP/in.csv" --by k --agg first:v,last:v --sort v_last:desc $VARY
# the column has text (x, y), so min/max compare bytes; the min cells are
# all numbers and sort numerically, the max cells do not
printf 'k,v\na,117\na,x\nb,3\nb,y\nc,20\nc,x\n' > "$TMP/t.csv"
$PCSV aggregate "$TMP/t.csv" --by k --agg min:v --sort v_min $VARY
$PCSV aggregate "$TMP/t.csv" --by k --agg max:v,min:v --sort v_max $VARY
# one non-number: bytes
printf 'k,v\na,117\nb,3\nc,x\n' > "$TMP/b.csv"
$PCSV aggregate "$TMP/b.csv" --by k --agg first:v --sort v_first $VARY
