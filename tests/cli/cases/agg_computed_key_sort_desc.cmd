aggregate dates.csv --by 'day=date_trunc("day", ts)' --agg count,sum:price --sort day:desc
