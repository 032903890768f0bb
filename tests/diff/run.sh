#!/usr/bin/env bash
# run.sh - differential check of pcsv against itself.
#
#   bash tests/diff/run.sh PCSV_BINARY
#
# Generates random small CSV inputs (seeded, so every run checks the same
# cases) and runs every command in every output format on each, checking
# that the result does not depend on --jobs, --chunk-size, how the input
# arrives (file, stdin, pipe, zstd) or where the output goes (stdout, -o
# FILE, -o FILE.zst), and that csv/tsv/jsonl output is well formed and says
# the same thing. See diff.py for the details and the environment variables
# (PCSV_DIFF_CASES, PCSV_DIFF_SEED, ...).
#
# Output: one FAIL block per failing check with a shell reproducer; last line
# `N passed, M failed` (cases: one command in one format on one input).
# Exit status: 0 all passed, 1 some failed, 2 bad usage.

set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -ne 1 ]; then
	echo "usage: bash tests/diff/run.sh PCSV_BINARY" >&2
	exit 2
fi
for tool in /usr/bin/python3 zstd; do
	if ! command -v "$tool" >/dev/null; then
		echo "run.sh: $tool is needed (apt-get install python3 zstd)" >&2
		exit 2
	fi
done
exec /usr/bin/python3 "$here/diff.py" "$1"
