#!/usr/bin/env bash
# Issue 11: every command takes exactly the options it uses (the table in
# cmd/opts.c); anything else is a usage error (exit 2) naming the command
# and the option, never silently ignored: also merge and dump, and the
# options that only make sense together (--range with --partial, also in
# the separate-argument form `--range 0:100`). Runs once (usage_*).
run() {
	"$PCSV" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$? args="$*"
	echo "pcsv ${args//$TMP/\$TMP}: exit $rc, stdout $(wc -c <"$TMP/out") bytes: $(head -n 1 "$TMP/err")"
}
echo "--- not the command's option"
run count sales.csv --by country
run head sales.csv --sort price:desc -n 2
run aggregate sales.csv --by region -n 2
run filter sales.csv --agg count
run count sales.csv --format jsonl
run count sales.csv --select region
run headers sales.csv --where 'qty > 1'
run headers sales.csv --on-bad-row skip
run headers sales.csv --format tsv
run stats sales.csv --parser libcsv
run filter sales.csv --parser libcsv
run select region sales.csv -n 1
run stats sales.csv --by region
run head sales.csv --agg count
echo "--- --compress-level only with -o FILE.zst"
run count sales.csv --compress-level 5
run aggregate sales.csv -o "$TMP/x.csv" --compress-level 5
run aggregate sales.csv -o "$TMP/x.csv.zst" --compress-level 5
echo "--- partials: options that go together"
run count sales.csv --range 0:100
run count sales.csv --range=0:100
run count sales.csv --memory-limit 1G
run filter sales.csv --tmpdir /tmp
run filter sales.csv --partial
run aggregate sales.csv --partial --format jsonl -o "$TMP/p"
run aggregate sales.csv --partial --sort count -o "$TMP/p"
run aggregate sales.csv --partial -o p.zst
run aggregate sales.csv --range-state quoted
run aggregate sales.csv --file-index 2
run aggregate sales.csv sales.csv --partial --range 0: -o "$TMP/p"
run aggregate - --partial --range 0: -o "$TMP/p"
run aggregate sales.csv --partial --range 5:2 -o "$TMP/p"
run merge
run merge --by region a.part
run merge -d ';' a.part
run merge - - 
run dump a.part b.part
run dump --format jsonl a.part
run merge a.part b.part
echo "--- still fine"
run head sales.csv -n 2
run filter sales.csv --select region --where 'qty > 9'
run count sales.csv --where 'qty > 9' -q --no-progress
run headers sales.csv -d , --jobs 2 --chunk-size 64K -o "$TMP/h.csv"
