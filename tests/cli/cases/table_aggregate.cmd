aggregate sales.csv --by region,product --agg count,sum:price,first:note --format table
