#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# NUL bytes inside fields (quoted and not) are ordinary bytes: counted,
# grouped on, compared, and passed through unchanged (shown with od -c).
"$PCSV" count nul_bytes.csv $VARY
"$PCSV" count nul_bytes.csv --where 'v >= 2' $VARY
"$PCSV" aggregate nul_bytes.csv --by k --agg count,sum:v,max:t $VARY | od -An -c
"$PCSV" filter nul_bytes.csv $VARY | cmp - nul_bytes.csv && echo "filter: byte-identical"
"$PCSV" select t,k nul_bytes.csv $VARY | od -An -c
"$PCSV" head -n 2 nul_bytes.csv --format jsonl $VARY
