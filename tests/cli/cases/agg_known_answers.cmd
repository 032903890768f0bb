aggregate known.csv --by g --agg count,count:x,sum:x,mean:x,var:x,stddev:x,median:x,p90:x,mean:r,var:r,stddev:r,p10:r
