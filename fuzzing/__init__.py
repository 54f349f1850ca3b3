"""Property checks for every parser, run by `make test` (bounded) and `make fuzz` (≥1M each)."""
