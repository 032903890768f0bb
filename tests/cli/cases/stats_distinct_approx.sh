# 100000 distinct values are counted exactly; at 100001 the count is an
# estimate (within 1 % here) and that row's distinct_exact says false; the
# header stays the same (issue 11: it used to become distinct_approx)
{ echo n,m; seq 1 100000 | awk '{print $1 "," ($1 % 7)}'; } > "$TMP/a.csv"
$PCSV stats "$TMP/a.csv" $VARY --chunk-size 64K | cut -d, -f1,2,9,10
{ echo n,m; seq 1 100001 | awk '{print $1 "," ($1 % 7)}'; } > "$TMP/b.csv"
$PCSV stats "$TMP/b.csv" $VARY --chunk-size 64K | cut -d, -f1,2,9,10 | awk -F, 'NR==2 {print $1 "," $2 "," ($3 > 99000 && $3 < 101000 ? "about 100001" : $3) "," $4; next} {print}'
