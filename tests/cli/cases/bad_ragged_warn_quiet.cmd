aggregate ragged.csv --by name --agg sum:qty --on-bad-row warn -q
