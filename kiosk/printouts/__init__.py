"""Printed documents: PDF slips and receipts rendered for the printer."""
