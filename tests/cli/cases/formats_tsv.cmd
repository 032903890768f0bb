select text,note,id formats.csv --format tsv
