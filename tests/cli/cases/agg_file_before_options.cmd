aggregate --by region --agg sum:qty sales.csv
