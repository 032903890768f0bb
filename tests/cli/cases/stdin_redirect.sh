#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Standard input as the table (no FILE, and `-`). A regular file on stdin is
# mapped like any file; reading a pipe comes with issue 4 (streams), so the
# pipe cases wait for it.
echo "--- no FILE"
"$PCSV" aggregate --by region --agg count,sum:price,mean:price $VARY < sales.csv
echo "--- -"
"$PCSV" aggregate - --by name --agg count,sum:qty $VARY < quoted.csv
echo "--- count, CRLF with quoted line break"
"$PCSV" count $VARY < crlf.csv
echo "--- BOM"
"$PCSV" aggregate --by region --agg sum:qty $VARY < bom.csv
