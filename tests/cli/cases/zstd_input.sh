#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# zstd input, recognised by its magic bytes, on files and on stdin, one
# frame or several; equal to the plain file's result.
echo "--- file"
"$PCSV" aggregate sales.csv.zst --by region --agg count,sum:price $VARY
echo "--- stdin"
cat sales.csv.zst | "$PCSV" aggregate --by region --agg count,sum:price $VARY
echo "--- two frames"
"$PCSV" aggregate sales_2frames.csv.zst --by region --agg count,sum:price $VARY
echo "--- pzstd (a skippable frame first)"
"$PCSV" aggregate sales.pz.csv.zst --by region --agg count,sum:price $VARY
echo "--- plain and zstd files as one table"
"$PCSV" count sales.csv sales.csv.zst $VARY
echo "--- quoted line breaks"
"$PCSV" filter quoted.csv.zst --where 'qty >= 4' $VARY
echo "--- headers, select, head on zstd and on a pipe"
"$PCSV" headers sales.csv.zst $VARY
"$PCSV" select 'region,qty' sales.csv.zst $VARY | tail -2
cat sales.csv.zst | "$PCSV" head -n 2 $VARY
cat quoted.csv | "$PCSV" select name $VARY | head -3
