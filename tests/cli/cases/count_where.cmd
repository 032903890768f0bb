count sales.csv --where 'price * qty >= 50 or note is null'
