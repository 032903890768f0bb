#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# --help and --version: exit 0, something on stdout, nothing on stderr.
# The texts themselves are not pinned (they change with every release).
for args in "--help" "--version" "aggregate --help" "count --help" "headers --help"; do
	"$PCSV" $args >"$TMP/out"
	code=$?
	if [ -s "$TMP/out" ]; then s="non-empty"; else s="EMPTY"; fi
	echo "pcsv $args: exit $code, stdout $s"
done
