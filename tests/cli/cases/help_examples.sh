#!/usr/bin/env bash
# Issue 15: every example that pcsv COMMAND --help and pcsv help where show
# runs as printed, in a copy of testdata/ (the merge and dump examples write
# partials), with its output pinned: an example that stops working fails.
mkdir -p "$TMP/bin" "$TMP/td"
ln -s "$PCSV" "$TMP/bin/pcsv"
ln -s "$TD"/* "$TMP/td/"
cd "$TMP/td" || exit 1
for c in $("$PCSV" --list-commands) where; do
	if [ "$c" = where ]; then "$PCSV" help where; else "$PCSV" "$c" --help; fi |
		sed -n '/^Examples:/,$p' | sed -n 's/^  \(.*pcsv .*\)$/\1/p' >"$TMP/ex"
	while IFS= read -r ex; do
		echo "\$ $ex"
		PATH="$TMP/bin:$PATH" bash -c "$ex" 2>&1
		echo "(exit $?)"
	done <"$TMP/ex"
done
