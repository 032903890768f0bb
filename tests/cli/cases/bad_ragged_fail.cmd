aggregate ragged.csv --by name --agg sum:qty
