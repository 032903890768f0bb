#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Damaged gzip input is exit 1 naming the file and the compressed byte where
# it broke: a flipped byte in the deflate data, a wrong CRC-32 or ISIZE in
# the trailer, a wrong header CRC, an unknown method, reserved flags; and
# trailing bytes after the last member other than zero padding (gzip -dc
# warns "trailing garbage ignored" and prints the data; pcsv never ignores
# them).
for f in gzip_corrupt_deflate gzip_bad_crc gzip_bad_size gzip_bad_hcrc gzip_bad_method \
	gzip_reserved_flag gzip_trailing_garbage gzip_padding_then_garbage; do
	"$PCSV" count $f.csv.gz $VARY
	echo "$f: exit $?"
done
cat gzip_bad_crc.csv.gz | "$PCSV" aggregate --by region $VARY
echo "stdin gzip_bad_crc: exit $?"
cat gzip_trailing_garbage.csv.gz | "$PCSV" head $VARY
echo "stdin gzip_trailing_garbage: exit $?"
