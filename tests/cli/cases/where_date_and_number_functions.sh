#!/usr/bin/env bash
# The functions for computed keys in --where: each condition's count over
# dates.csv (a value a function cannot read, like 2024-02-30, is null).
cd "$TD" || exit 1
while IFS= read -r w; do
	# shellcheck disable=SC2086
	printf '%s\t' "$w"; "$PCSV" count dates.csv --where "$w" $VARY
done <<'W'
year(ts) == 2024
year(ts) is null
month(ts) == 2 and day(ts) == 29
hour(ts) == 23
minute(ts) >= 30
date(ts) == "2024-02-29"
date_trunc("week", ts) == "2020-12-28"
date_trunc("quarter", ts) == "2024-01-01"
date_trunc("month", ts) == "2024-02-01"
date_trunc("year", ts) == "2021-01-01"
date_trunc("hour", ts) == "2024-02-29T23:00:00"
date_trunc("minute", ts) == "2020-12-31T23:59:00"
date_trunc("Day", ts) == date(ts)
substr(name, 2, 3) == "amb"
substr(name, -1, 3) == "a"
substr(name, 4) == "ta"
substr(name, 1, 0) is null
round(price) == 11
round(price, 1) == 10.5
round(12.75, 1) == 12.8
round(-1.5) == -2
round(1234, -2) == 1200
floor(price) == -2
ceil(price) == 11
floor(-1.5) + ceil(-1.5) == -3
round(name) is null
W
