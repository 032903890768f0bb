count tricky_quotes.csv
