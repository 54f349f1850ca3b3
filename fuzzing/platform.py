"""Platform-side targets: the config file, platform answers through the client, problem+json."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import requests
from pydantic import BaseModel
from requests.structures import CaseInsensitiveDict

from fuzzing.source import Source, Target, mutate, mutate_text, text
from kiosk.config import ConfigError, KioskConfig, loads_config
from services.schemas import AppIdentity, Booking, FaceVerifyResult, ItemList, SlotList

_KEYS: dict[str, dict[str, tuple[Any, ...]]] = {
    "platform": {"url": ("https://platform.example/api", "http://127.0.0.1:8000", "ftp://x",
                         "http://[::1", "http://h:99999"),
                 "token": ("t0k", " ", "a b"), "timeout": (10, 0.5, 120, 121, -1, math.inf)},
    "terminal": {"name": ("江汉市 1号机",), "id": ("T-0001",),
                 "staff_pin_sha256": ("ab" * 32, "1234")},
    "devices.idcard": {"backend": ("simulated", "ga467", "pcsc", "usb"),
                       "port": ("/dev/ttyUSB0",), "baudrate": (115200, 0)},
    "devices.printer": {"backend": ("simulated", "cups"), "out_dir": ("/tmp/slips",),
                        "queue": ("q",), "timeout": (60, 601)},
    "ui": {"orientation": ("portrait", "landscape", "up"), "scale": (0.5, 2.0, 3.0),
           "fullscreen": (True, False)},
    "timeouts": {"idle": (90, 5), "warning": (30, 19), "elderly_factor": (2.0, math.nan)},
    "face_check": {"backend": ("platform", "local", "auto"), "max_attempts": (3, 0, 11)},
}
_VALID: dict[str, dict[str, Any]] = {
    "platform": {"url": "https://platform.example/api", "token": "t0k", "timeout": 10},
    "devices.printer": {"backend": "simulated", "out_dir": "/tmp/slips"},
}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else "inf"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string


def _toml(doc: dict[str, dict[str, Any]]) -> str:
    return "".join(f"[{section}]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in keys.items())
                   for section, keys in doc.items())


@dataclass(frozen=True)
class ConfigText:
    """A config file's text, and the sections it holds when it was built valid."""

    text: str
    expected: dict[str, dict[str, Any]] | None


def gen_config(src: Source) -> ConfigText:
    how = src.num(0, 5)
    if how == 0:
        return ConfigText(_toml(_VALID), _VALID)
    doc = {s: dict(keys) for s, keys in _VALID.items()}
    for _ in range(src.num(1, 5)):
        section = src.choice(sorted(_KEYS))
        key = src.choice(sorted(_KEYS[section]))
        doc.setdefault(section, {})[key] = src.choice(
            (*_KEYS[section][key], text(src, 12), src.num(-2**70, 2**70), [1, "x"]))
    if src.num(0, 3) == 0:
        doc.setdefault(src.choice(sorted(_KEYS)), {})[text(src, 8, "abcxyz_")] = 1
    body = _toml(doc)
    if how == 1:
        return ConfigText(body, None)
    if how == 2:
        return ConfigText(mutate_text(src, body, 4), None)
    if how == 3:
        depth = src.choice((10, 600, 3000))
        return ConfigText(body + "x = " + "[" * depth + "]" * depth * src.num(0, 1) + "\n", None)
    if how == 4:
        return ConfigText(body + text(src, 60, '[]{}="\'.,\\\n #abc1tx'), None)
    damaged = mutate(src, body.encode("utf-8", "surrogatepass"))
    return ConfigText(damaged.decode("utf-8", "replace"), None)


def check_config(case: ConfigText) -> bool:
    try:
        config = loads_config(case.text, source="fuzz.toml")
    except ConfigError as exc:
        assert "fuzz.toml" in str(exc)
        return False
    assert isinstance(config, KioskConfig)
    assert config.platform.url.startswith(("http://", "https://"))
    assert 0 < config.platform.timeout <= 120 and config.platform.token.strip()
    assert math.isfinite(config.ui.scale) and math.isfinite(config.timeouts.elderly_factor)
    if case.expected is not None:
        assert config.platform.url == case.expected["platform"]["url"]
        assert config.devices.printer.out_dir == case.expected["devices.printer"]["out_dir"]
    return True


_STAMP = "2026-12-02T09:00:00+08:00"
_BOOKING = {"reference": "YY261202K7M3QX", "status": "confirmed", "item_id": "I1",
            "item_name": "户口迁移", "hall_id": "H1", "hall_name": "市民之家",
            "hall_address": "江汉路1号", "slot_id": "S1", "date": "2026-12-02", "start": _STAMP,
            "end": _STAMP, "resident_name_masked": "张*明", "id_number_masked": "4201**1234",
            "created_at": _STAMP}
_GUIDE = {"materials": ["身份证"], "fee": "免费", "legal_time_limit_days": 20,
          "promised_time_limit_days": 5, "where": "综合窗口"}
_ITEM = {"id": "I1", "name": "户口迁移", "department": "公安局", "level": "市",
         "cross_province": False, "bookable": True, "guide": _GUIDE}
SAMPLES: tuple[tuple[type[BaseModel], Any], ...] = (
    (Booking, _BOOKING), (ItemList, {"items": [_ITEM], "total": 1}),
    (SlotList, {"slots": [{"id": "S1", "start": _STAMP, "end": _STAMP, "remaining": 3}]}),
    (FaceVerifyResult, {"match": True, "score": 0.9, "threshold": 0.6, "method": "dlib",
                        "reference": "registered"}),
    (AppIdentity, {"name": "张三明", "id_number": "420102199003071234"}),
)


def json_value(src: Source, depth: int = 3) -> Any:
    """Any JSON value: scalars of every type, lists and objects up to `depth` deep."""
    kind = src.num(0, 7 if depth > 0 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return src.num(0, 1) == 1
    if kind == 2:
        return src.choice((0, -1, 2**63, 10**400 // 10**399, src.num(-10**6, 10**6)))
    if kind == 3:
        return src.choice((0.5, 1e308, -0.0, 1.5e-300))
    if kind in (4, 5):
        return text(src, 12)
    if kind == 6:
        return [json_value(src, depth - 1) for _ in range(src.num(0, 3))]
    return {text(src, 6): json_value(src, depth - 1) for _ in range(src.num(0, 3))}


def _edit(src: Source, doc: Any) -> Any:
    """`doc` with one member replaced, removed or added, somewhere inside."""
    if isinstance(doc, dict) and doc:
        key = src.choice(sorted(doc))
        out = dict(doc)
        how = src.num(0, 3)
        if how == 0:
            del out[key]
        elif how == 1:
            out[key] = json_value(src)
        elif how == 2:
            out[key] = _edit(src, doc[key])
        else:
            out[text(src, 6)] = json_value(src)
        return out
    if isinstance(doc, list) and doc:
        return [_edit(src, doc[0]), *doc[1:]] if src.num(0, 1) else doc * src.num(0, 3)
    return json_value(src, 1)


def body_bytes(src: Source, doc: Any) -> tuple[bytes, Any]:
    """The encoded body, and the document it holds when that is `doc` unchanged (else None),
    as JSON gives it back (two surrogates in a row come back as one character)."""
    how = src.num(0, 5)
    if how == 0:
        raw = json.dumps(doc, ensure_ascii=src.num(0, 1) == 1)
        if not raw.isascii() and any(0xD800 <= ord(c) <= 0xDFFF for c in raw):
            raw = json.dumps(doc)  # a lone surrogate is only JSON as an escape
        return raw.encode(), json.loads(raw)
    if how in (1, 2):
        return json.dumps(_edit(src, doc), ensure_ascii=False).encode("utf-8", "replace"), None
    if how == 3:
        depth = src.choice((50, 2000, 100_000))
        return b"[" * depth + b"]" * depth * src.num(0, 1), None
    if how == 4:
        return json.dumps(json_value(src)).encode(), None
    return mutate(src, json.dumps(doc).encode(), 4), None


def response(status: int, body: bytes, content_type: str) -> requests.Response:
    """An answer as requests gives it, built in process (no socket)."""
    r = requests.Response()
    r.status_code = status
    r._content = body
    r.headers = CaseInsensitiveDict({"Content-Type": content_type})
    r.encoding = requests.utils.get_encoding_from_headers(r.headers)  # as requests' adapter
    r.url = "http://platform.test/v1/fuzz"
    return r


TARGETS: tuple[Target[Any], ...] = (
    Target("config_toml", "kiosk.toml texts: valid (round trip), wrong types and bounds, "
           "unknown keys, inf/nan, broken TOML, deep nesting -> loads_config or ConfigError",
           gen_config, check_config),
)
