aggregate sales.csv --by 'tag=contains(note, ", "),region' --agg count
