aggregate sales.tsv -t --by region --agg count,sum:qty,sum:price
