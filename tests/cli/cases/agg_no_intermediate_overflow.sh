# exact arithmetic fails only when the answer leaves the double range
# (issue 11: the mean of three 1.7e308 and the variance of 1e200,1e200
# exited 1)
printf 'v\n1.7e308\n1.7e308\n1.7e308\n' > "$TMP/a.csv"
$PCSV aggregate "$TMP/a.csv" --agg mean:v $VARY
printf 'v\n1e200\n1e200\n' > "$TMP/b.csv"
$PCSV aggregate "$TMP/b.csv" --agg var:v,stddev:v,mean:v $VARY
printf 'v\n1e200\n-1e200\n1e200\n-1e200\n' > "$TMP/c.csv"
$PCSV aggregate "$TMP/c.csv" --agg mean:v,stddev:v $VARY
# tiny values: squares below the smallest double are still exact
printf 'v\n1e-200\n3e-200\n' > "$TMP/d.csv"
$PCSV aggregate "$TMP/d.csv" --agg var:v,stddev:v $VARY
