count sales.csv --chunk-size 18446744073709551000
