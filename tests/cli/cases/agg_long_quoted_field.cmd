aggregate long_field.csv --by id --agg count,sum:v,count:blob
