#!/usr/bin/env bash
# Issue 13: --memory-limit and --tmpdir are checked at start, before any
# input is read: a --tmpdir that is not a writable directory is a usage
# error (exit 2, "pcsv: --tmpdir DIR: <strerror>", the usual hint), also
# when the run would never spill; a size that is not a size, or 0, is one
# too; the option given twice must have the same value (1M and 1024K are
# the same); commands other than aggregate do not take them. Each run's
# stderr is shown after its stdout, then its exit status. Root writes
# into a mode-555 directory anyway, so that run is under setpriv with
# CAP_DAC_OVERRIDE dropped (as hostile_unreadable_file). Runs once (.once).
cd "$TD" || exit 1
mkdir "$TMP/dir" "$TMP/ro"
chmod 555 "$TMP/ro"
printf 'x\n' >"$TMP/file"
cp "$TMP/file" "$TMP/script"
chmod 755 "$TMP/script"
run() {
	"$@" 2>&1 | sed "s|$TMP/|\$TMP/|g"
	echo "exit ${PIPESTATUS[0]}"
}
nocap() { setpriv --inh-caps=-all --bounding-set=-dac_override,-dac_read_search "$@"; }
echo "--- --tmpdir"
run "$PCSV" aggregate sales.csv --by region --tmpdir /nonexistent
run "$PCSV" aggregate sales.csv --by region --tmpdir "$TMP/file"
run "$PCSV" aggregate sales.csv --by region --tmpdir "$TMP/script"
run "$PCSV" aggregate sales.csv --by region --tmpdir "$TMP/script" --memory-limit 100
run nocap "$PCSV" aggregate sales.csv --by region --tmpdir "$TMP/ro"
run "$PCSV" aggregate sales.csv --by region --tmpdir ''
run "$PCSV" aggregate sales.csv --by region --tmpdir
run "$PCSV" aggregate sales.csv --by region --tmpdir "$TMP/dir" --tmpdir "$TMP/dir/"
run "$PCSV" aggregate sales.csv --by region --tmpdir "$TMP/dir" --tmpdir "$TMP/dir" -q
echo "--- --memory-limit"
run "$PCSV" aggregate sales.csv --by region --memory-limit 0
run "$PCSV" aggregate sales.csv --by region --memory-limit abc
run "$PCSV" aggregate sales.csv --by region --memory-limit -1
run "$PCSV" aggregate sales.csv --by region --memory-limit 1.5M
run "$PCSV" aggregate sales.csv --by region --memory-limit 1T
run "$PCSV" aggregate sales.csv --by region --memory-limit 99999999999G
run "$PCSV" aggregate sales.csv --by region --memory-limit
run "$PCSV" aggregate sales.csv --by region --memory-limit 1M --memory-limit 2M
run "$PCSV" aggregate sales.csv --by region --memory-limit 1M --memory-limit 1024K --memory-limit 1m
echo "--- a run that spills into a tiny limit (100 bytes) still answers"
run "$PCSV" aggregate sales.csv --by region --agg count,median:price --memory-limit 100 --tmpdir "$TMP/dir"
echo "--- other commands"
run "$PCSV" count sales.csv --memory-limit 1M
run "$PCSV" filter sales.csv --tmpdir /tmp
run "$PCSV" head sales.csv --memory-limit 1M --tmpdir /tmp
run "$PCSV" stats sales.csv --tmpdir /tmp
run "$PCSV" select region sales.csv --memory-limit 1M
echo "--- left behind: [$(ls -A "$TMP/dir" | paste -sd ' ' -)]"
