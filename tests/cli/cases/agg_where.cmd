aggregate sales.csv --by region --agg count,sum:qty --where 'product in ("apple", "cherry") && not (note == "gift")'
