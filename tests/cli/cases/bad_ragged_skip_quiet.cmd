aggregate ragged.csv --by name --agg sum:qty --on-bad-row skip --quiet
