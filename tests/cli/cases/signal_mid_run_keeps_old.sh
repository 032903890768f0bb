#!/usr/bin/env bash
# SIGINT, SIGTERM or SIGHUP while pcsv writes -o FILE: it removes its
# temporary file and dies of the signal (the shell sees 128 + the signal
# number: 130, 143, 129), silently; the old FILE is kept byte for byte.
# The input is a FIFO whose writer sends 40 MB (more than the first 16 MiB
# stream buffer, so the output is open and being written) and then stalls.
# Job control (set -m) so a background pcsv does not start with SIGINT
# ignored; its job notices go to /dev/null, pcsv's stderr to fd 3.
# Runs once (.once): each signal waits for the temporary file to appear.
set -m
exec 3>&2 2>/dev/null
cd "$TMP" || exit 1
mkfifo in
printf 'OLD,CONTENT\n' >out.csv
for sig in INT TERM HUP; do
	{ echo a,b; yes 1,2 | head -c 40000000; exec sleep 15; } >in &
	w=$!
	"$PCSV" filter in -o out.csv 2>&3 &
	p=$!
	seen=no
	for _ in $(seq 200); do
		compgen -G '.out.csv.pcsv-*' >/dev/null && seen=yes && break
		sleep 0.05
	done
	sleep 0.3 # pcsv is now blocked on the stalled FIFO
	kill -s "$sig" $p
	wait $p
	echo "SIG$sig: exit $?, temporary file seen mid-run: $seen, out.csv: $(cat out.csv), directory: [$(ls -A | paste -sd ' ' -)]"
	kill $w
	wait $w
done
exit 0
