aggregate unterminated.csv --by name --on-bad-row skip
