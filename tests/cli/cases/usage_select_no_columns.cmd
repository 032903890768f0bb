select '!1-5' sales.csv
