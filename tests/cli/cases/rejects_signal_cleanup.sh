#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# SIGTERM while filter reads a pipe, with both -o and --rejects pending:
# pcsv dies of the signal, both temporary files are removed, and the old
# result and rejects files are kept. (pcsv reads 16 MiB of a pipe before
# it starts, so the pipe gets 20 MB first; --chunk-size is not varied here:
# 1-byte chunks of 20 MB would only make the case slow.)
mkdir "$TMP/o"
printf 'OLD REJECTS\n' >"$TMP/o/r.csv"
printf 'OLD RESULT\n' >"$TMP/o/out.csv"
mkfifo "$TMP/fifo"
"$PCSV" filter - --rejects "$TMP/o/r.csv" -o "$TMP/o/out.csv" ${VARY%%--chunk-size*} <"$TMP/fifo" >/dev/null &
pid=$!
exec 3>"$TMP/fifo"
printf 'a,b\n1,2\n3\n4,5\n' >&3
yes 1,2 | head -c 20000000 >&3
for _ in $(seq 100); do
	[ "$(ls -A "$TMP/o" | wc -l)" -ge 4 ] && break
	sleep 0.05
done
echo "while running: $(ls -A "$TMP/o" | wc -l) files"
kill -TERM "$pid"
wait "$pid"
echo "exit $?"
exec 3>&-
echo "directory: [$(ls -A "$TMP/o" | paste -sd " " -)]"
echo "r.csv: $(cat "$TMP/o/r.csv"); out.csv: $(cat "$TMP/o/out.csv")"
