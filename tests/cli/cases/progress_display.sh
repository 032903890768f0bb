#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Progress goes to stderr only when it is a terminal (or with --progress),
# and never on a run under half a second: a pipe gets nothing, --no-progress
# nothing. What is drawn, and how, is in cli_progress_plain (--progress to
# a file: plain lines) and cli_progress_tty (a terminal: one line redrawn
# and erased before any output), with slow inputs.
echo "--- pipe (default): no progress"
"$PCSV" count sales.csv $VARY 2>"$TMP/err"
wc -c < "$TMP/err"
echo "--- --no-progress"
"$PCSV" count sales.csv --no-progress $VARY 2>&1 >/dev/null | wc -c
