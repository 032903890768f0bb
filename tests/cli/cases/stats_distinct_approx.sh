# 100000 distinct values are counted exactly; 100001 switch the header to
# distinct_approx (the estimate is within 1 % here)
{ echo n,m; seq 1 100000 | awk '{print $1 "," ($1 % 7)}'; } > "$TMP/a.csv"
$PCSV stats "$TMP/a.csv" $VARY --chunk-size 64K | cut -d, -f1,2,9
{ echo n,m; seq 1 100001 | awk '{print $1 "," ($1 % 7)}'; } > "$TMP/b.csv"
$PCSV stats "$TMP/b.csv" $VARY --chunk-size 64K | cut -d, -f1,2,9 | awk -F, 'NR==2 {print $1 "," $2 "," ($3 > 99000 && $3 < 101000 ? "about 100001" : $3); next} {print}'
