"""Terminal configuration from TOML; a wrong or missing value stops start-up naming the key."""

from __future__ import annotations

import re
import gc
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from services.hosts import is_loopback

from .config_keys import Section, Unsure, declare, pydantic_model


class ConfigError(Exception):
    """The configuration cannot be used; the message names the offending key."""


# Checks of single keys, run after the key's type and bounds (a ValueError names the key).
def _http_url(v: str) -> str:
    if not v.startswith(("http://", "https://")):
        raise ValueError("must start with https://")
    try:
        host = urlsplit(v).hostname
    except ValueError:  # e.g. a bad port or an unclosed [IPv6 bracket
        host = None
    if not host:
        raise ValueError("has no host name, e.g. https://platform.example/")
    if v.startswith("http://") and not is_loopback(host):
        # Tokens and residents' data never cross a network in clear text.
        raise ValueError("must be https:// (plain http:// only to this machine: "
                         "127.0.0.1, ::1 or localhost)")
    return v.rstrip("/")


def _ca_bundle(v: str | None) -> str | None:
    if v is not None:
        # services.tls brings requests and cryptography: imported only when set (issue 11).
        from services.tls import load_ca
        load_ca(v)  # ValueError: missing, unreadable or no PEM certificate in it
    return v


def _pins(v: list[str]) -> list[str]:
    from services.tls import parse_pin
    for i, pin in enumerate(v):
        try:
            parse_pin(pin)
        except ValueError as exc:
            raise ValueError(f"pin {i + 1} ({pin!r}) {exc}") from None
    return v


def _not_blank(v: str) -> str:
    # Stripped: a stray space or newline from a copied token would make every call a 401.
    token = v.strip()
    if not token:
        raise ValueError("must not be blank")
    return token


def _sha256_hex(v: str | None) -> str | None:
    if v is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", v):
        raise ValueError("must be 64 hex digits (sha256 of the PIN), not the PIN itself")
    return v.lower() if v else v


class PlatformConfig(Section):
    url: str = declare(
        check=_http_url, description="Base URL of Platform API v1, e.g. https://platform.example/")
    token: str = declare(min_length=1, check=_not_blank, description="The terminal's bearer token")
    timeout: float = declare(default=10.0, gt=0, le=120, description="Seconds per HTTP call")
    ca_file: str | None = declare(
        default=None, check=_ca_bundle, description="PEM file of the CA(s) that issued the "
        "platform's certificate, trusted instead of the public CAs (default: the public CAs)")
    pin_sha256: list[str] = declare(
        default_factory=list, check=_pins, description="SHA-256 of the platform "
        "certificate's public key (SubjectPublicKeyInfo), base64 or hex; when set, the chain "
        "must verify and the key must be one of these (default: no pin)")

    def tls_options(self) -> dict[str, Any]:
        """The TLS keyword arguments of PlatformClient for this section."""
        return {"ca_file": self.ca_file, "pin_sha256": tuple(self.pin_sha256)}


class TerminalConfig(Section):
    name: str = declare(default="政务服务自助终端", description="Printed on slips")
    id: str = declare(default="T-0000", description="Terminal id (from provisioning later)")
    maintenance_pin_sha256: str | None = declare(
        default=None, check=_sha256_hex,
        description="SHA-256 (hex) of the maintenance PIN; `kiosk card read --reveal` needs "
                    "it (unset: revealing is refused)")
    staff_pin_sha256: str | None = declare(
        default=None, check=_sha256_hex,
        description="SHA-256 (hex) of the staff PIN that confirms a resident instead of the "
                    "face check (unset: residents are sent to the counter); docs/face-check.md")

    staffed_hall: str | None = declare(
        default=None, description="Id of the nearest hall with staff in the platform's "
        "catalogue (GET /v1/halls); its name, address and hours are what 没带证件或读不出？ "
        "offers (unset: \"the nearest hall\" without a name)")


class IdCardConfig(Section):
    backend: Literal["simulated", "ga467", "pcsc"] = "simulated"
    residents: str | None = declare(default=None, description="Simulated backend: fixture file")
    port: str | None = declare(default=None, description="ga467: serial device, e.g. /dev/ttyUSB0")
    baudrate: int = declare(default=115200, gt=0, description="ga467: serial speed")
    reader: str | None = declare(default=None,
                               description="pcsc: reader name or part of it; default any reader")

    def backend_options(self) -> dict[str, Any]:
        """The options devices.registry.make_idcard_reader takes for this backend."""
        if self.backend == "ga467":
            return {"port": self.port, "baudrate": self.baudrate}
        if self.backend == "pcsc":
            return {"reader": self.reader} if self.reader else {}
        return {"residents_file": self.residents} if self.residents else {}


class PrinterConfig(Section):
    backend: Literal["cups", "simulated"] = "cups"
    queue: str | None = declare(default=None, description="CUPS queue name (backend cups)")
    server: str | None = declare(default=None, description="CUPS server, default local")
    out_dir: str | None = declare(default=None, description="Simulated backend: PDF folder")
    timeout: float = declare(default=60.0, gt=0, le=600, description="Seconds to wait for a job")


class CameraConfig(Section):
    backend: Literal["opencv", "simulated"] = "opencv"
    source: int | str = declare(default=0, description="opencv: device index, file or URL")
    image_files: list[str] = declare(default_factory=list,
                                   description="simulated: pictures to loop over")

    def backend_options(self) -> dict[str, Any]:
        if self.backend == "opencv":
            return {"source": self.source}
        return {"image_files": self.image_files}


class DevicesConfig(Section):
    idcard: IdCardConfig = IdCardConfig()
    # A second reader for social-security cards (PC/SC), read at the same time as the ID card.
    sscard: IdCardConfig | None = None
    # The camera (face check, app QR codes, documents); optional until those screens exist.
    camera: CameraConfig | None = None
    printer: PrinterConfig = PrinterConfig()


class OutboxConfig(Section):
    db: str = declare(default="/var/lib/kiosk/outbox.db",
                    description="SQLite file of the outbox (every platform write goes here first)")
    key: str | None = declare(default=None, description="Key for personal data at rest (base64, "
                            "32 bytes); default: the key file below")
    key_file: str | None = declare(default=None, description="File holding that key instead; "
                                 "default: <db folder>-keys/<db name>.key (e.g. "
                                 "/var/lib/kiosk-keys/outbox.db.key), made 0600 on first start "
                                 "in a 0700 folder, taking over a DB.key from before")


class UiConfig(Section):
    orientation: Literal["portrait", "landscape"] = "portrait"
    fullscreen: bool = True
    scale: float = declare(default=1.0, gt=0.1, le=2.0,
                         description="Window and layout scale (the demo uses 0.5 on laptops)")
    font: str | None = declare(default=None, description="CJK font file; default via fontconfig")
    elderly_mode: bool = declare(default=False, description="Start in 长辈模式")
    demo: bool = declare(default=False, description="Show simulated-device controls")


class FaceCheckConfig(Section):
    """The face check after a card read (docs/face-check.md)."""

    enabled: bool = declare(default=True, description="false: card reads skip the face check")
    backend: Literal["platform", "local", "auto"] = declare(
        default="platform", description="platform: POST /v1/identity/face-verify; local: dlib "
        "against the card photo (needs a WLT decoder); auto: local when a photo is there")
    max_attempts: int = declare(default=3, ge=1, le=10,
                              description="Failed tries before only staff assistance is left")
    staff_pin_tries: int = declare(default=3, ge=1, le=10,
                                 description="Wrong staff PINs per resident before it locks")
    staff_pin_terminal_tries: int = declare(
        default=5, ge=1, le=50, description="Wrong staff PINs on this terminal, whoever the "
        "resident, within staff_pin_window_minutes that lock staff entry")
    staff_pin_window_minutes: float = declare(default=15, gt=0, le=24 * 60,
                                            description="The window those wrong PINs count in")
    staff_pin_lock_minutes: float = declare(default=15, gt=0, le=24 * 60,
                                          description="How long staff entry stays locked "
                                                      "(kept across restarts)")


class TimeoutsConfig(Section):
    idle: float = declare(default=90, ge=10, le=3600,
                        description="Seconds without a touch before warning")
    warning: float = declare(default=30, ge=20, le=300,
                           description="Countdown shown before reset (≥20)")
    elderly_factor: float = declare(default=2.0, ge=1.0, le=5.0,
                                  description="Idle timeouts are this much longer in 长辈模式")
    device: float = declare(default=60, gt=0, le=600, description="Seconds to wait for a card")


class KioskConfig(Section):
    platform: PlatformConfig
    terminal: TerminalConfig = TerminalConfig()
    devices: DevicesConfig = DevicesConfig()
    outbox: OutboxConfig = OutboxConfig()
    ui: UiConfig = UiConfig()
    timeouts: TimeoutsConfig = TimeoutsConfig()
    face_check: FaceCheckConfig = FaceCheckConfig()

    def cross_check(self) -> None:
        """Keys that depend on each other; ValueError naming the key (once all keys are read)."""
        if self.devices.idcard.backend == "ga467" and not self.devices.idcard.port:
            raise ValueError("devices.idcard.port: required when backend is ga467")
        printer = self.devices.printer
        if printer.backend == "cups" and not printer.queue:
            raise ValueError("devices.printer.queue: required when backend is cups")
        if printer.backend == "simulated" and not printer.out_dir:
            raise ValueError("devices.printer.out_dir: required when backend is simulated")


def load_config(path: str | Path) -> KioskConfig:
    """Read and validate a TOML file; raise ConfigError with the key at fault."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {p} cannot be read: {exc}") from None
    return loads_config(text, source=str(p))


def loads_config(text: str, source: str = "config") -> KioskConfig:
    """Validate the TOML `text` of a config file; ConfigError (naming `source`) otherwise."""
    # No collection during the parse: one that starts while tomllib is hundreds of frames deep
    # runs other objects' finalizers there, which then hit the recursion limit themselves
    # (seen as an "unraisable" RecursionError in a long-lived test process).
    collecting = gc.isenabled()
    gc.disable()
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {source} is not valid TOML: {exc}") from None
    except RecursionError:
        # tomllib recurses once per level of nested inline tables or arrays.
        raise ConfigError(f"config file {source} is nested too deeply to be a terminal "
                          "configuration") from None
    finally:
        if collecting:
            gc.enable()
    return parse_config(raw, source=source)


def parse_config(raw: dict[str, Any], source: str = "config") -> KioskConfig:
    """Validate the parsed TOML `raw`; ConfigError (naming `source` and the keys) otherwise."""
    try:
        config = KioskConfig.from_plain(raw)  # a good file of plain values: no pydantic
    except Unsure:
        config = parse_with_pydantic(raw, source)
    return cross_checked(config, source)


def cross_checked(config: KioskConfig, source: str) -> KioskConfig:
    """`config` once the checks across sections hold; ConfigError naming `source` otherwise."""
    try:
        config.cross_check()
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return config


def parse_with_pydantic(raw: dict[str, Any], source: str = "config") -> KioskConfig:
    """The reference reading, for what the plain one does not vouch for: pydantic coerces the
    values or words the errors (parse_config then runs the cross checks)."""
    from pydantic import ValidationError
    try:
        checked = pydantic_model(KioskConfig).model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"]) or "(top level)"
            msg = err["msg"]
            if err["type"] == "missing":
                msg = "missing (required)"
            elif err["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling)"
            msg = msg.removeprefix("Value error, ")
            problems.append(msg if key == "(top level)" else f"{key}: {msg}")
        raise ConfigError(f"{source}: " + "; ".join(problems)) from None
    # Coerced to plain values ("10" → 10.0), which the plain reading takes; the keys not given
    # keep their defaults as they are (an int default of a float key stays an int, as before).
    return KioskConfig.from_plain(checked.model_dump(exclude_unset=True))
