count zstd_size_mismatch.csv.zst
