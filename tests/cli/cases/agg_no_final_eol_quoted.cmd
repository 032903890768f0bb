aggregate noeol_quoted.csv --by name --agg sum:qty,max:comment
