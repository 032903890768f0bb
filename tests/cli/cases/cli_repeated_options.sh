#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Issue 11: repeated list options add up (--agg, --by, filter's --select:
# joined with ','), repeated --where must all hold (joined with `and`), the
# same value twice is fine (-t and -d tab are one value), and any other
# option given twice with different values is a usage error.
echo "--- --agg count --agg sum:price == --agg count,sum:price"
"$PCSV" aggregate sales.csv --by region --agg count --agg sum:price $VARY
"$PCSV" aggregate sales.csv --by region --agg count,sum:price $VARY | md5sum
"$PCSV" aggregate sales.csv --by region --agg count --agg sum:price $VARY | md5sum
echo "--- --by region --by product == --by region,product"
"$PCSV" aggregate sales.csv --by region --by product --agg sum:qty $VARY | md5sum
"$PCSV" aggregate sales.csv --by region,product --agg sum:qty $VARY | md5sum
echo "--- --where A --where B == --where '(A) and (B)'"
"$PCSV" count sales.csv --where 'price > 2' --where 'qty < 9' $VARY
"$PCSV" count sales.csv --where 'price > 2' $VARY
"$PCSV" count sales.csv --where 'qty < 9' $VARY
"$PCSV" filter sales.csv --where 'qty >= 5' --where 'price < 10' --where 'region != "East"' $VARY
"$PCSV" aggregate sales.csv --by region --where 'qty >= 5' --where 'price < 10' $VARY
"$PCSV" stats sales.csv --where 'qty >= 5' --where 'price < 10' $VARY | md5sum
"$PCSV" stats sales.csv --where '(qty >= 5) and (price < 10)' $VARY | md5sum
echo "--- filter --select region --select price"
"$PCSV" filter sales.csv --select region --select price --where 'qty > 9' $VARY
echo "--- the same value twice"
"$PCSV" count sales.csv --on-bad-row fail --on-bad-row fail $VARY
"$PCSV" count -t -d tab sales.csv $VARY
"$PCSV" filter sales.csv --format tsv --format tsv --select region -q -q --where 'qty > 9' $VARY
echo "--- different values"
"$PCSV" filter sales.csv --format csv --format tsv $VARY
echo "exit $?"
"$PCSV" count -t -d , sales.csv $VARY
echo "exit $?"
"$PCSV" aggregate sales.csv --by region --sort count --sort region $VARY
echo "exit $?"
"$PCSV" head sales.csv -n 1 -n 2 $VARY
echo "exit $?"
"$PCSV" count sales.csv --progress --no-progress $VARY
echo "exit $?"
