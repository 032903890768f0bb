aggregate sales.tsv -d '\t' --by product --agg sum:qty
