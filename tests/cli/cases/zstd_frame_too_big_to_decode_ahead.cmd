aggregate zstd_big_frame.csv.zst --by k --jobs 2
