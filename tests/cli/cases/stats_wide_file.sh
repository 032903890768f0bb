# 100,000 columns: one summary row each, the same at every --jobs/--chunk-size
python3 -c "
n = 100000
print(','.join('c%d' % i for i in range(n)))
for r in range(3): print(','.join(str(i + r) for i in range(n)))" > "$TMP/wide.csv"
$PCSV stats "$TMP/wide.csv" $VARY > "$TMP/out.csv" || exit 1
wc -l < "$TMP/out.csv"
sed -n '2p;$p' "$TMP/out.csv"
