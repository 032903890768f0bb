aggregate events.csv --by id --agg sum:prise
