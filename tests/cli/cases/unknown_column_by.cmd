aggregate sales.csv --by regoin --agg sum:qty
