"""Identifying the resident: card and app-QR reads, the face check, the staff PIN."""
