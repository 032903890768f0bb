filter quoted.csv --where 'qty >= 2 and name =~ "(?i)smith|multi"'
