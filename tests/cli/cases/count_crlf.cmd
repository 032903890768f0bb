count crlf.csv
