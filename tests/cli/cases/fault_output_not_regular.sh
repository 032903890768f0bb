#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# -o naming something that is not a regular file. Only a regular file can be
# replaced atomically; a device or FIFO is written in place, as `>` does
# (found here: the temporary file was renamed over it, so `-o /dev/stdout`
# would have replaced /dev/stdout itself). A symlink to a regular file has its
# target replaced and stays a symlink. A directory is exit 1 before any work.
cd "$TMP" || exit 1
ln -s /dev/null null
"$PCSV" count "$TD/sales.csv" -o null $VARY
echo "-o symlink to /dev/null: exit $?, $([ -L null ] && [ -c null ] && echo still a symlink to the device)"
mkfifo fifo
cat fifo >from_fifo &
"$PCSV" aggregate "$TD/sales.csv" --by region -o fifo $VARY
echo "-o FIFO: exit $?, $([ -p fifo ] && echo still a FIFO)"
wait
echo "the FIFO's reader got: $(paste -sd ' ' from_fifo)"
printf 'OLD\n' >real.csv
ln -s real.csv link.csv
"$PCSV" count "$TD/sales.csv" -o link.csv $VARY
echo "-o symlink to a file: exit $?, $([ -L link.csv ] && echo still a symlink), real.csv: $(cat real.csv)"
mkdir dir
"$PCSV" count "$TD/sales.csv" -o dir $VARY
echo "-o directory: exit $?"
rm -f from_fifo
echo "directory: [$(ls -A | paste -sd ' ' -)], dir: [$(ls -A dir)]"
