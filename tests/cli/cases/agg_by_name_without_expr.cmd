aggregate sales.csv --by 'region,region='
