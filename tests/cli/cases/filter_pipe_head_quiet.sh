#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A reader that goes away: pcsv stops at once and says nothing (as cat does).
# Its status is 0 or 141 (SIGPIPE) depending on timing, so only stdout and
# stderr (which must stay empty) are compared.
"$PCSV" filter sales.csv --where 'qty > 0' $VARY | head -2
