"""SQLite store for caches and the outbox (built in issue 4); imports nothing of the project."""
