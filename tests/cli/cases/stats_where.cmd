stats sales.csv --where 'region == "North"'
