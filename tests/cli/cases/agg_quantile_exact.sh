# median/pN interpolate exactly and round once (issue 11: 0.10000002384185791)
printf 'v\n1000000000.2\n-1000000000.0\n' > "$TMP/in.csv"
$PCSV aggregate "$TMP/in.csv" --agg median:v,p25:v,p12.5:v $VARY
# reals: no intermediate overflow, exact interpolation
printf 'v\n1.7e308\n-1.7e308\n' > "$TMP/r.csv"
$PCSV aggregate "$TMP/r.csv" --agg median:v,p75:v $VARY
# decimals mixed with reals, and mantissas beyond 64 bits
printf 'v\n0.1\n3e-1\n12345678901234567890.5\n12345678901234567891.5\n' > "$TMP/m.csv"
$PCSV aggregate "$TMP/m.csv" --agg median:v,p10:v,p90:v $VARY
