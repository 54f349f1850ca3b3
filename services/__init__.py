"""Platform API v1: schemas, the HTTP client and typed calls per domain."""
