aggregate sales.csv --by region --agg count,median:price,p90:qty,p25:price
