"""The exit codes of every `kiosk` subcommand: one table, one number per meaning.

Like python-escpos's documented error table, a number means the same thing whatever the
subcommand, so a script (or a field technician) can act on it without knowing which command
ran: 4 is always "the device or service is not there", whether `kiosk print`, `kiosk card read`
or `kiosk camera snap` said it. README.md ("Exit codes") shows this table; each subcommand's
`--help` lists the codes it returns with what they mean for it, built from this table
(`describe`). tests/kiosk/test_cli_exit_codes.py checks both, and that no subcommand returns a
number of its own. `--json` output that carries a code (`"exit"`) uses the same numbers.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from enum import IntEnum


class ExitCode(IntEnum):
    """`kiosk` exit codes; `meaning` is what README.md's table says of each."""

    OK = 0
    NOT_OK = 1
    USAGE = 2
    TIMEOUT = 3
    OFFLINE = 4
    FAILED = 5
    PIN_REFUSED = 6
    BUSY = 7
    INTERNAL = 70

    @property
    def meaning(self) -> str:
        return MEANINGS[self]


MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "done: the devices are usable, the card was read, the job completed, nothing "
                 "is left to deliver",
    ExitCode.NOT_OK: "ran to the end and the answer is no: a configured device is not usable, "
                     "the face check failed, writes are still pending",
    ExitCode.USAGE: "usage or configuration: a bad flag, a missing or invalid config file (the "
                    "message names the path or the key), a file given that cannot be used",
    ExitCode.TIMEOUT: "nothing came in time: no card presented, no camera frame, the print job "
                      "not finished",
    ExitCode.OFFLINE: "the device or service is not there or not usable: unplugged, missing, "
                      "out of paper, pcscd down, a library missing",
    ExitCode.FAILED: "the device was reached but the job failed: print job aborted, cancelled "
                     "or held, card unreadable, picture not written",
    ExitCode.PIN_REFUSED: "refused: wrong or unconfigured maintenance PIN",
    ExitCode.BUSY: "the device is held by another program (the kiosk app, another command)",
    ExitCode.INTERNAL: "a bug: an unexpected error, traceback on stderr (sysexits EX_SOFTWARE)",
}


def describe(codes: Mapping[ExitCode, str]) -> str:
    """The "exit codes" section of a subcommand's --help: number, name, what it means here."""
    lines = ["exit codes (the same numbers for every kiosk command; README.md, Exit codes):"]
    for code in sorted(codes):
        lines += textwrap.wrap(codes[code], 78, initial_indent=f"  {int(code):>2}  {code.name:<12}",
                               subsequent_indent=" " * 18)
    return "\n".join(lines)
