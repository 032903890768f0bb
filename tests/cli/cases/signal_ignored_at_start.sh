#!/usr/bin/env bash
# A signal ignored when pcsv starts stays ignored (nohup pcsv ... -o FILE):
# SIGHUP mid-run does not stop it; it finishes and replaces FILE. Same set-up
# as signal_mid_run_keeps_old.sh; runs once.
set -m
exec 3>&2 2>/dev/null
cd "$TMP" || exit 1
mkfifo in
printf 'OLD,CONTENT\n' >out.csv
{ echo a,b; yes 1,2 | head -c 40000000; exec sleep 15; } >in &
w=$!
(trap '' HUP; exec "$PCSV" filter in -o out.csv 2>&3) &
p=$!
seen=no
for _ in $(seq 200); do
	compgen -G '.out.csv.pcsv-*' >/dev/null && seen=yes && break
	sleep 0.05
done
sleep 0.3
kill -s HUP $p
sleep 0.3
kill $w # the input ends: pcsv finishes
wait $w
wait $p
echo "exit $?, temporary file seen mid-run: $seen, out.csv: $(wc -l <out.csv) lines, directory: [$(ls -A | paste -sd ' ' -)]"
rm -f out.csv
