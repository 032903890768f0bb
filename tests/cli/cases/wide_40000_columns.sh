#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# 40,000 columns: selection slots past 32767 (found in review: they wrapped).
awk 'BEGIN { n = 40000; for (i = 1; i <= n; i++) printf "c%d%s", i, i < n ? "," : "\n";
             for (r = 0; r < 3; r++) for (i = 1; i <= n; i++) printf "%d%s", r * 10 + i % 7, i < n ? "," : "\n" }' > "$TMP/wide.csv"
"$PCSV" select 1-40000 "$TMP/wide.csv" $VARY | awk -F, '{ print $32768, $32769, $40000 }'
"$PCSV" aggregate "$TMP/wide.csv" --by c40000 --agg sum:c39999 $VARY
