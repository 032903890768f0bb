aggregate sales.csv --by region --agg 'n=count, revenue=sum:price,avg_qty=mean:qty' --sort revenue:desc
