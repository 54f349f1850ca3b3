"""One module per domain, each exporting `KINDS`: its write kinds (found by default_kinds())."""
