aggregate sales.tsv -d tab --by region,product --agg sum:price
