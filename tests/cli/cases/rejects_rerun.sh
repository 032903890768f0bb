#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# The re-run story: a cron job aggregates with --rejects; later the rejected
# rows are repaired (here: a stray '$' before prices, a trailing comma) and
# aggregated alone; the two results, combined, equal one run over the fully
# repaired file. The raw rows come out of the rejects file with pcsv itself
# (select row, TSV: the rows hold no tab, CR, LF or backslash).
repair() { sed -e 's/\$//g' -e 's/,$//'; }
by=(--by region --agg count,sum:qty,sum:price)
"$PCSV" aggregate rejects_repair.csv "${by[@]}" --on-bad-row skip --rejects "$TMP/r.csv" \
	-o "$TMP/good.csv" $VARY
echo "first run: exit $?"
cat "$TMP/good.csv"
echo "--- rejects"
cat "$TMP/r.csv"
echo "--- the repaired rejected rows"
{
	head -n 1 rejects_repair.csv
	"$PCSV" select row "$TMP/r.csv" --format tsv $VARY | tail -n +2 | repair
} >"$TMP/fixed_rows.csv"
cat "$TMP/fixed_rows.csv"
"$PCSV" aggregate "$TMP/fixed_rows.csv" "${by[@]}" -o "$TMP/fixed.csv" $VARY
echo "second run: exit $?"
cat "$TMP/fixed.csv"
echo "--- combined (the two results as one table, summed per region)"
{ cat "$TMP/good.csv"; tail -n +2 "$TMP/fixed.csv"; } |
	"$PCSV" aggregate --by region --agg sum:count,sum:qty_sum,sum:price_sum $VARY | tee "$TMP/combined.csv"
echo "--- one run over the fully repaired file"
repair <rejects_repair.csv | "$PCSV" aggregate "${by[@]}" $VARY | tee "$TMP/full.csv"
if cmp -s <(tail -n +2 "$TMP/combined.csv") <(tail -n +2 "$TMP/full.csv"); then
	echo "combined == full: yes"
else
	echo "combined == full: NO"
fi
