aggregate tricky_quotes.csv --by id --agg count,min:text,max:text
