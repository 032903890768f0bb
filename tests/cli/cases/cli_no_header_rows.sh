#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Issue 11: with -H the row-emitting commands (filter, select, head) print
# no header line (the input had none; before, a made-up 1,2,... line); jsonl
# still keys by the 1-based indexes. aggregate and stats still print their
# own result header (their columns are computed); count prints a number.
echo "--- filter -H"
"$PCSV" filter -H noheader.csv --where '$2 > 1' $VARY
echo "--- filter -H, every row, tsv"
"$PCSV" filter -H noheader.csv --format tsv $VARY
echo "--- select -H 3,1"
"$PCSV" select -H 3,1 noheader.csv $VARY
echo "--- head -H -n 2, jsonl"
"$PCSV" head -H -n 2 noheader.csv --format jsonl $VARY
echo "--- head -H -n 0"
"$PCSV" head -H -n 0 noheader.csv $VARY
echo "--- aggregate -H keeps its header"
"$PCSV" aggregate -H noheader.csv --by 1 --agg sum:2 $VARY
echo "--- count -H"
"$PCSV" count -H noheader.csv $VARY
