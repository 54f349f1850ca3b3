"""One module (and one .kv) per screen; thin, they render a flow's step."""
