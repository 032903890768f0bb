#!/usr/bin/env bash
# -o NAME.zst with --partial is a usage error (a partial is compressed
# already; merge -o NAME.zst compresses the result); nothing is written.
cd "$TMP" || exit 1
"$PCSV" aggregate "$TD/sales.csv" --by region --partial -o p.zst
rc=$?
[ -e p.zst ] && echo "p.zst written"
exit $rc
