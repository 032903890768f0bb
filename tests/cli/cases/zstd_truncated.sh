#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A truncated or corrupt zstd stream is exit 1 naming the file and where it
# broke, never a short result.
"$PCSV" count truncated.csv.zst $VARY
echo "exit $?"
cat truncated.csv.zst | "$PCSV" count $VARY
echo "exit $?"
"$PCSV" count corrupt.csv.zst $VARY
echo "exit $?"
# damaged data inside the second of two frames (decoded in parallel)
"$PCSV" count corrupt_2frames.csv.zst $VARY
echo "exit $?"
