"""Printers: CUPS and a simulated backend that writes PDFs to a folder."""
