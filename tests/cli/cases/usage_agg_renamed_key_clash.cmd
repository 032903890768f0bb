aggregate sales.csv --by 'r=region' --agg count --agg 'r=sum:qty'
