#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# -o FILE.zst writes zstd, still atomically; pcsv reads it back.
"$PCSV" aggregate sales.csv --by region --agg count,sum:price -o "$TMP/out.csv.zst" --compress-level 5 $VARY
echo "exit $?"
zstd -dc "$TMP/out.csv.zst"
"$PCSV" aggregate "$TMP/out.csv.zst" --agg sum:count $VARY
ls -A "$TMP"
