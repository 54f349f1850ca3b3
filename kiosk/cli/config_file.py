"""The one config file every subcommand reads: `--config FILE`, else `$KIOSK_CONFIG`, else
`/etc/kiosk/kiosk.toml`, so that on a configured terminal `kiosk devices probe` needs no flags.

A subcommand reads the file when it is given (`--config`) or when its flags leave something
out that only the config can say (`kiosk print FILE` without `--printer`); a missing default
file is a `ConfigError` naming the path, which every subcommand turns into `ExitCode.USAGE`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from kiosk.config import ConfigError, KioskConfig, load_config

DEFAULT_CONFIG = "/etc/kiosk/kiosk.toml"
CONFIG_ENV = "KIOSK_CONFIG"


def add_config_option(parser: argparse.ArgumentParser, what: str = "") -> None:
    """`--config FILE`, the same help everywhere; `what` says what this subcommand takes."""
    parser.add_argument("--config", metavar="FILE",
                        help=f"kiosk.toml{what} (default: ${CONFIG_ENV}, else {DEFAULT_CONFIG})")


def config_path(given: str | None) -> tuple[Path, str]:
    """The file to read and where its name came from (for messages)."""
    if given:
        return Path(given), "--config"
    named = os.environ.get(CONFIG_ENV, "").strip()
    if named:
        return Path(named), f"named by ${CONFIG_ENV}"
    return Path(DEFAULT_CONFIG), "the default"


def load(given: str | None) -> KioskConfig:
    """Read and validate the config file; ConfigError with a message naming the file or key."""
    path, origin = config_path(given)
    if origin != "--config" and not path.exists():
        fix = f"fix {CONFIG_ENV}" if origin != "the default" else f"set {CONFIG_ENV}=FILE"
        raise ConfigError(f"no config file at {path} ({origin}); give --config FILE or {fix}")
    return load_config(path)
