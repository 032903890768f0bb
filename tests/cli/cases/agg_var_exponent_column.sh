# var/stddev in a column with an exponent-notation value: decimals and reals
# are combined exactly, rounded once (issue 11: 3.78..., 1.945... for two
# equal values)
printf 'k,v\na,123456789.123\na,123456789.123\nb,1e0\n' > "$TMP/in.csv"
$PCSV aggregate "$TMP/in.csv" --by k --agg var:v,stddev:v,sum:v,mean:v $VARY
printf 'k,v\na,0.1\na,0.2\na,1e-1\nb,1000000000.1\nb,1000000000.2\nb,1.0000000003e9\n' > "$TMP/m.csv"
$PCSV aggregate "$TMP/m.csv" --by k --agg var:v,stddev:v,sum:v,mean:v $VARY
