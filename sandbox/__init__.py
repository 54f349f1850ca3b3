"""The sandbox platform: a real HTTP server implementing Platform API v1 on SQLite."""
