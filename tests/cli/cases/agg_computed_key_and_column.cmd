aggregate dates.csv --by 'month=substr(ts,1,7),country' --agg count,sum:price
