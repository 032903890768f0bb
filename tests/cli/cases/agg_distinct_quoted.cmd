aggregate quoted.csv --by city --agg distinct:name
