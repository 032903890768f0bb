aggregate sales.csv --by region --agg count,sum:price --sort count:desc
