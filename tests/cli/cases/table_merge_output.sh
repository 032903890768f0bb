#!/usr/bin/env bash
# --format table from merge and to -o FILE and -o FILE.zst (the same text)
# shellcheck disable=SC2086
"$PCSV" aggregate part1.csv --by region --agg count,sum:qty,mean:price --partial -o "$TMP/p1" $VARY || exit
# shellcheck disable=SC2086
"$PCSV" aggregate part2.csv --by region --agg count,sum:qty,mean:price --partial -o "$TMP/p2" $VARY || exit
"$PCSV" merge "$TMP/p1" "$TMP/p2" --format table --sort qty_sum:desc
"$PCSV" merge "$TMP/p1" "$TMP/p2" --format table -o "$TMP/m.txt" && cat "$TMP/m.txt"
# shellcheck disable=SC2086
"$PCSV" aggregate sales.csv --by product --format table -o "$TMP/a.txt.zst" $VARY && zstd -qdc "$TMP/a.txt.zst"
