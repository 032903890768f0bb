aggregate sales.csv --by region --agg count,distinct:product,distinct:note
