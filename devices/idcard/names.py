"""Whether a name read from a card is one the services can show, print and send."""

from __future__ import annotations

import unicodedata

# The terminal's copy of services.validation.name_problem (devices may import nothing of the
# project); tests/test_validators_agree.py proves both agree on one corpus.
NAME_MAX_LENGTH = 40
# Bidi embeddings, overrides, isolates and marks: each can turn a name around on a screen.
_BIDI = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A),
                                   0x200E, 0x200F, 0x061C))


def is_valid_name(name: str) -> bool:
    """Not blank, at most 40 characters, no control or bidirectional control character."""
    return (bool(name.strip()) and len(name) <= NAME_MAX_LENGTH
            and not any(ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs")
                        for ch in name))
