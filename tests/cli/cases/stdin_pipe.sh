#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Standard input read from a pipe (no FILE, and `-`), and pcsv feeding pcsv:
# the same results as on the files.
echo "--- no FILE"
cat sales.csv | "$PCSV" aggregate --by region --agg count,sum:price,mean:price $VARY
echo "--- -"
cat quoted.csv | "$PCSV" aggregate - --by name --agg count,sum:qty $VARY
echo "--- count, CRLF with quoted line break"
cat crlf.csv | "$PCSV" count $VARY
echo "--- BOM"
cat bom.csv | "$PCSV" aggregate --by region --agg sum:qty $VARY
echo "--- filter"
cat quoted.csv | "$PCSV" filter --where 'qty > 1' $VARY
echo "--- pcsv | pcsv"
"$PCSV" aggregate sales.csv --by region,product $VARY | "$PCSV" aggregate --by product --agg count,sum:count $VARY
echo "--- a bad row's line and the pipe's name"
printf 'a,b\n1,2\n"x\ny",3\n4\n' | "$PCSV" count $VARY
echo "exit $?"
