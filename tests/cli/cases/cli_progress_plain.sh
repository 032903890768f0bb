#!/usr/bin/env bash
# Issue 11: --progress to a stderr that is not a terminal (a log file)
# writes plain lines, "pcsv: ..." and a line end, with no "\r" and no escape
# codes, at most one a second, the first after half a second; a run under
# half a second writes none. The input is a pipe that gives 20 MB (more
# than the first 16 MiB stream buffer, so the run has started) and then
# stalls for 2.2 s: 1 to 3 lines (at 0.5 s, 1.5 s, maybe 2.5 s on a slow
# machine). Runs once (.once): timing.
cd "$TMP" || exit 1
{ printf 'a,b\n'; yes 1,2 | head -c 20000000; sleep 2.2; } | "$PCSV" count --progress 2>err
echo "exit $?"
n=$(grep -c '^pcsv: .*B/s$' err)
echo "lines: $([ "$n" -ge 1 ] && [ "$n" -le 3 ] && echo "1 to 3" || echo "$n")"
echo "lines not like 'pcsv: 20.0 MB  9.1 MB/s': $(grep -vc '^pcsv: .*B/s$' err)"
echo "CR bytes: $(tr -cd '\r' <err | wc -c), ESC bytes: $(tr -cd '\033' <err | wc -c)"
echo "ends with a line end: $([ -z "$(tail -c 1 err)" ] && echo yes || echo no)"
echo "--- a run under half a second: no line at all"
"$PCSV" count "$TD/sales.csv" --progress 2>err2
printf 'a,b\n1,2\n' | "$PCSV" count --progress 2>>err2
wc -c <err2
