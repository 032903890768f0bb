#!/usr/bin/env bash
# Issue 15: pcsv COMMAND --help is generated from opt_table (only the
# options COMMAND takes, its synopsis, examples); pcsv help COMMAND is the
# same text, pcsv help and pcsv --help the overview. Every text is pinned.
"$PCSV" --help >"$TMP/main"
"$PCSV" help >"$TMP/help"
cmp -s "$TMP/main" "$TMP/help" && echo "pcsv help = pcsv --help" || echo "pcsv help DIFFERS from pcsv --help"
echo "=== pcsv --help"
cat "$TMP/main"
for c in $("$PCSV" --list-commands); do
	"$PCSV" "$c" --help >"$TMP/a"
	echo "=== pcsv $c --help: exit $?"
	"$PCSV" help "$c" >"$TMP/b"
	cmp -s "$TMP/a" "$TMP/b" || echo "pcsv help $c DIFFERS"
	cat "$TMP/a"
done
