help where
