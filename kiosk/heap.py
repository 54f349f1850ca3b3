"""glibc's heap on a terminal that runs for months: fewer arenas, and freed memory given back
to the system between residents (issue 11.1: malloc_trim returned 120–150 MB of a session's
native buffers, label textures, camera frames, that malloc otherwise kept)."""

from __future__ import annotations

import ctypes

#: mallopt's parameter number for the arena limit (glibc malloc.h: M_ARENA_MAX = -8).
_M_ARENA_MAX = -8
#: Arenas malloc may create: every thread that allocates (platform calls, card reads, the
#: camera, the sync worker) otherwise gets one of up to 8 × cores, each keeping its own free
#: memory; two keep contention low on a 2-core terminal.
ARENAS = 2


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, macOS): nothing to tune
        return None


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap malloc's arenas; call before the app starts its threads. False off glibc."""
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, arenas))


def give_back() -> bool:
    """Return the heap's free pages to the system (malloc_trim); after a resident leaves,
    when a pause of a few milliseconds is unseen. False off glibc."""
    libc = _libc()
    if libc is None or not hasattr(libc, "malloc_trim"):
        return False
    return bool(libc.malloc_trim(0))
