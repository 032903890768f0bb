headers bom.csv
