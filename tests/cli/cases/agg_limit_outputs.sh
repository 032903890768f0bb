#!/usr/bin/env bash
# --limit with every output: tsv, -o FILE (atomic) and -o FILE.zst give the
# same first rows as the csv on stdout
Q=(sales.csv --by product --agg count,sum:qty --sort qty_sum:desc --limit 2)
# shellcheck disable=SC2086
"$PCSV" aggregate "${Q[@]}" $VARY
# shellcheck disable=SC2086
"$PCSV" aggregate "${Q[@]}" --format tsv $VARY
# shellcheck disable=SC2086
"$PCSV" aggregate "${Q[@]}" -o "$TMP/o.csv" $VARY && cat "$TMP/o.csv"
# shellcheck disable=SC2086
"$PCSV" aggregate "${Q[@]}" -o "$TMP/o.csv.zst" $VARY && zstd -qdc "$TMP/o.csv.zst"
