aggregate dates.csv --by 'r=round(price),f=floor(price),c=ceil(price),r1=round(price, 1)' --agg count
