#!/usr/bin/env bash
# Issue 11: a mistake in the second --where is shown in that expression as
# typed (its own columns and caret), and says which --where it is.
"$PCSV" count sales.csv --where 'price > 1' --where 'price < (3'
echo "exit $?"
"$PCSV" filter sales.csv --where 'price > 1' --where 'prise < 3'
echo "exit $?"
"$PCSV" aggregate sales.csv --where 'price > 1' --where 'qty > 1' --where 'qty >'
echo "exit $?"
