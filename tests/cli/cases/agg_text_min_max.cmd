aggregate sales.csv --by region --agg min:note,max:note,min:product,max:product
