"""Inputs described once, drawn two ways: by Hypothesis (make test) and at random (make fuzz)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")


class Source(Protocol):
    """Where a generator takes its choices from; every generator is written against this."""

    def num(self, lo: int, hi: int) -> int:
        """A whole number in [lo, hi]."""
        ...

    def raw(self, max_len: int) -> bytes:
        """Random bytes, 0 to `max_len` of them."""
        ...

    def choice(self, options: Sequence[T]) -> T:
        """One of `options`."""
        ...


class RandomSource:
    """Choices from random.Random: cheap enough for a million inputs per target."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def num(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def raw(self, max_len: int) -> bytes:
        return self.rng.randbytes(self.rng.randint(0, max_len))

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]


class HypothesisSource:
    """Choices drawn by Hypothesis, so a failing input shrinks choice by choice."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def num(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def raw(self, max_len: int) -> bytes:
        return self.draw(st.binary(max_size=max_len))

    def choice(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(options))


def strategy(generate: Callable[[Source], T]) -> st.SearchStrategy[T]:
    """The Hypothesis strategy of a generator."""
    @st.composite
    def drawn(draw: st.DrawFn) -> T:
        return generate(HypothesisSource(draw))
    return drawn()


def input_for(generate: Callable[[Source], T], seed: int, index: int) -> T:
    """Input number `index` of the run with `seed`: what a failure report replays."""
    return generate(RandomSource(random.Random(seed * 10_000_019 + index)))


# Building blocks shared by the targets.

def text(src: Source, max_len: int, alphabet: str | None = None) -> str:
    """Text from `alphabet`, or from every plane (surrogates and controls included)."""
    n = src.num(0, max_len)
    if alphabet is not None:
        return "".join(src.choice(alphabet) for _ in range(n))
    return "".join(chr(_codepoint(src)) for _ in range(n))


_RANGES = ((0x20, 0x7E), (0x00, 0x1F), (0x80, 0x2FF), (0x2000, 0x206F), (0x3000, 0x30FF),
           (0x4E00, 0x9FFF), (0xD800, 0xDFFF), (0xFF00, 0xFFEF), (0xFFF0, 0xFFFF),
           (0x10000, 0x10FFFF))


def _codepoint(src: Source) -> int:
    lo, hi = src.choice(_RANGES)
    return src.num(lo, hi)


def mutate(src: Source, data: bytes, rounds: int = 3) -> bytes:
    """`data` with up to `rounds` edits: flip, overwrite, insert, delete, truncate, repeat."""
    buf = bytearray(data)
    for _ in range(src.num(0, rounds)):
        op = src.num(0, 6)
        at = src.num(0, len(buf))
        if op == 0 and at < len(buf):
            buf[at] ^= 1 << src.num(0, 7)
        elif op == 1 and at < len(buf):
            buf[at] = src.choice((0x00, 0xFF, 0x7F, 0x80, 0xAA, 0x96, 0x69, src.num(0, 255)))
        elif op == 2:
            buf[at:at] = src.raw(8)
        elif op == 3:
            del buf[at:at + src.num(1, 8)]
        elif op == 4:
            del buf[at:]
        elif op == 5:
            end = min(len(buf), at + src.num(1, 16))
            buf[at:at] = buf[at:end] * src.num(1, 4)
        else:
            buf[at:at + 2] = src.num(0, 0xFFFF).to_bytes(2, "big")
    return bytes(buf)


# Zeros of scripts whose digits str.isdigit() and int() take as digits, and subscripts, which
# int() refuses: where a parser wants ASCII digits, each of these must be refused.
_ZEROS = (0xFF10, 0x0660, 0x06F0, 0x0966, 0x1A90, 0x1D7CE, 0x2080)


def other_digits(src: Source, value: str) -> str:
    """`value` with its ASCII digits written in another script (all, or from one place on)."""
    zero = src.choice(_ZEROS)
    start = src.num(0, len(value))
    return value[:start] + "".join(chr(zero + ord(c) - 48) if "0" <= c <= "9" else c
                                   for c in value[start:])


def mutate_text(src: Source, value: str, rounds: int = 3) -> str:
    """`value` with up to `rounds` character edits (any plane)."""
    chars = list(value)
    for _ in range(src.num(0, rounds)):
        op = src.num(0, 3)
        at = src.num(0, len(chars))
        if op == 0 and at < len(chars):
            chars[at] = chr(_codepoint(src))
        elif op == 1:
            chars[at:at] = text(src, 4)
        elif op == 2:
            del chars[at:at + src.num(1, 4)]
        else:
            del chars[at:]
    return "".join(chars)


class Contained(Exception):
    """The parser crashed in native code inside the isolation the app runs it in (a worker
    process of its own), and the app carried on: counted and listed apart, not hidden."""


@dataclass(frozen=True)
class Target(Generic[T]):
    """A parser under test: its inputs (`generate`) and its property (`check`).

    `check(input)` returns True when the parser gave a well-formed result and False when it
    refused the input with one of its documented errors; any other exception, or an
    AssertionError from a broken property, is a failure.
    """

    name: str
    covers: str
    generate: Callable[[Source], T]
    check: Callable[[T], bool]

    def strategy(self) -> st.SearchStrategy[T]:
        return strategy(self.generate)
