aggregate events.csv --by customer
