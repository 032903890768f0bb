#!/usr/bin/env bash
# Issue 13: SIGTERM or SIGINT while an aggregate spills (300000 groups under
# --memory-limit 64K into --tmpdir $TMP/t, with -o $TMP/o/out.csv): pcsv
# dies of the signal (the shell sees 128 + the signal number: 143, 130) as
# in signal_mid_run_keeps_old, silently; the temporary directory is empty
# (the spill files are unnamed, O_TMPFILE) and the -o target was never
# created, nor any temporary file beside it. SIGKILL too leaves nothing in
# $TMP/t (there it is the kernel that drops the unnamed files; the -o side
# is not checked: no handler runs). The signal is sent once a
# spill file is open (seen in /proc/PID/fd: an unnamed file in $TMP/t)
# and 0.1 s more have passed. Job control (set -m) so a background pcsv
# does not start with SIGINT ignored; its job notices go to /dev/null.
# Runs once (.once); skipped under TSan (.signals); a time limit of 60 s
# (.timeout): the last run waits for the whole input to be read.
set -m
exec 3>&2 2>/dev/null
cd "$TMP" || exit 1
awk 'BEGIN { srand(11); print "k,v,t"; for (i = 0; i < 300000; i++) print int(rand() * 1e6) "," int(rand() * 1e9) ",w" int(rand() * 1e6) }' >in.csv
mkdir t o
real_t=$(cd t && pwd -P) # as /proc/PID/fd shows it
for sig in TERM INT KILL; do
	"$PCSV" aggregate in.csv --by k --agg count,sum:v,median:v,first:t,distinct:t \
		--memory-limit 64K --tmpdir "$TMP/t" -o "$TMP/o/out.csv" 2>&3 &
	p=$!
	seen=no
	for _ in $(seq 200); do
		[ -n "$(find /proc/$p/fd -lname "$real_t/*" 2>/dev/null)" ] && seen=yes && break
		sleep 0.02
	done
	sleep 0.1
	kill -s "$sig" $p
	wait $p
	rc=$?
	o="o: [$(ls -A o | paste -sd ' ' -)]"
	[ $sig = KILL ] && o="o: (not checked)"
	echo "SIG$sig: exit $rc, spill file seen open: $seen, t: [$(ls -A t | paste -sd ' ' -)], $o"
done
# Once more, in the finish phase: the input is read, the -o temporary file
# (o/.out.csv.pcsv-XXXXXX) is open and the partitions are being merged.
"$PCSV" aggregate in.csv --by k --agg count,sum:v,median:v,first:t,distinct:t \
	--memory-limit 64K --tmpdir "$TMP/t" -o "$TMP/o/out.csv" 2>&3 &
p=$!
seen=no
for _ in $(seq 1000); do
	compgen -G 'o/.out.csv.pcsv-*' >/dev/null && seen=yes && break
	sleep 0.02
done
sleep 0.1
kill -s TERM $p
wait $p
echo "SIGTERM while finishing: exit $?, -o temporary file seen: $seen, t: [$(ls -A t | paste -sd ' ' -)], o: [$(ls -A o | paste -sd ' ' -)]"
rm -f in.csv
