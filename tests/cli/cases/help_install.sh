#!/usr/bin/env bash
# Issue 15: make install PREFIX=/usr/local DESTDIR=D puts the binary, the
# Dask adapter, the man page and the bash completion where they belong
# (with their modes); the installed binary runs, man -l reads the installed
# page, the completion loads; make uninstall removes every file again. The
# binary under test is installed as it is (make -o: never rebuilt here;
# without the MAKEFLAGS of a make test-cli around it).
root=$(cd "$TD/.." && pwd)
dest=$TMP/dest
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$root" -o "$PCSV" B="$(dirname "$PCSV")" PREFIX=/usr/local DESTDIR="$dest" install ||
	echo "make install failed"
(cd "$dest" && find . -type f -printf '%m %p\n' | LC_ALL=C sort)
bin=$dest/usr/local/bin
echo "installed pcsv: $("$bin/pcsv" --version), count sales.csv: $("$bin/pcsv" count sales.csv)"
page=$dest/usr/local/share/man/man1/pcsv.1
if command -v man >/dev/null; then
	MANWIDTH=80 man -l "$page" 2>&1 | grep -m 1 -A 1 '^NAME'
else
	# no man here: the page's NAME line as man would show it
	echo NAME
	sed -n '/^\.SH NAME/{n;s/\\-/-/g;s/^/       /;p}' "$page"
fi
bash -c 'source "$1" && complete -p pcsv' _ "$dest/usr/local/share/bash-completion/completions/pcsv"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$root" -o "$PCSV" B="$(dirname "$PCSV")" PREFIX=/usr/local DESTDIR="$dest" uninstall ||
	echo "make uninstall failed"
echo "after make uninstall: $(find "$dest" -type f | wc -l) files"
