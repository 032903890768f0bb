headers -t sales.tsv
