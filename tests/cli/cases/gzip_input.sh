#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# gzip input, recognised by its magic bytes, on files and on stdin, one
# member or several (as `cat a.gz b.gz` and pigz make them): the same
# result as the plain file's.
echo "--- file (gzip -n)"
"$PCSV" aggregate sales.csv.gz --by region --agg count,sum:price $VARY
echo "--- stdin"
cat sales.csv.gz | "$PCSV" aggregate --by region --agg count,sum:price $VARY
echo "--- two members (cat a.gz b.gz), file and stdin"
"$PCSV" aggregate sales_2members.csv.gz --by region --agg count,sum:price $VARY
cat sales_2members.csv.gz | "$PCSV" aggregate --by region --agg count,sum:price $VARY
echo "--- pigz, and a header with every optional field (FEXTRA, FNAME, FCOMMENT, FHCRC)"
"$PCSV" aggregate sales.pigz.csv.gz --by region --agg count,sum:price $VARY
"$PCSV" aggregate gzip_header_fields.csv.gz --by region --agg count,sum:price $VARY
echo "--- zero bytes after the last member are padding"
"$PCSV" count gzip_zero_padding.csv.gz $VARY
echo "--- count, file, pipe and redirected file; plain, zstd and gzip files as one table"
"$PCSV" count sales.csv.gz $VARY
cat sales.csv.gz | "$PCSV" count $VARY
"$PCSV" count < sales_2members.csv.gz $VARY
"$PCSV" count sales.csv sales.csv.zst sales_2members.csv.gz $VARY
echo "--- filter, head, headers, select"
"$PCSV" filter quoted.csv.gz --where 'qty >= 4' $VARY
cat sales.csv.gz | "$PCSV" filter --where 'qty > 9' $VARY
"$PCSV" head -n 3 sales_2members.csv.gz $VARY
cat sales.csv.gz | "$PCSV" head -n 2 $VARY
"$PCSV" headers sales.csv.gz $VARY
"$PCSV" select 'region,qty' sales_2members.csv.gz $VARY | tail -2
echo "--- stats: the same table as from the plain file"
a=$("$PCSV" stats sales.csv $VARY)
b=$("$PCSV" stats sales.csv.gz $VARY)
c=$(cat sales_2members.csv.gz | "$PCSV" stats $VARY)
[ "$a" = "$b" ] && [ "$a" = "$c" ] && echo same
"$PCSV" stats sales.csv.gz $VARY | head -3
echo "--- an empty gzip (no data) is an empty input"
"$PCSV" count empty.csv.gz $VARY
cat empty.csv.gz | "$PCSV" count $VARY
"$PCSV" count sales.csv empty.csv.gz $VARY
echo "--- -o FILE.zst from a gzip input"
"$PCSV" filter sales.csv.gz --where 'qty > 9' -o "$TMP/out.csv.zst" $VARY
zstd -q -dc "$TMP/out.csv.zst"
