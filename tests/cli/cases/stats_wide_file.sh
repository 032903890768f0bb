# 100,000 columns: one summary row each, the same at --jobs 1 and 4 (run once:
# at --chunk-size 1 this file is 2.4 million chunks, too slow under ASan)
python3 -c "
n = 100000
print(','.join('c%d' % i for i in range(n)))
for r in range(3): print(','.join(str(i + r) for i in range(n)))" > "$TMP/wide.csv"
$PCSV stats "$TMP/wide.csv" --jobs 1 > "$TMP/a.csv" || exit 1
$PCSV stats "$TMP/wide.csv" --jobs 4 --chunk-size 64K > "$TMP/b.csv" || exit 1
cmp "$TMP/a.csv" "$TMP/b.csv" && wc -l < "$TMP/a.csv"
sed -n '2p;$p' "$TMP/a.csv"
