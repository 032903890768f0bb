aggregate dates.csv --by 'd=date_trunc("decade", ts)'
