"""Device interfaces and backends (identity card, printer, ...); imports nothing of the project."""
