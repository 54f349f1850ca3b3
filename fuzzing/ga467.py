"""GA 467 targets: the serial byte stream, single frames, and the read reply's text block."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from devices.base import DeviceError
from devices.idcard import ga467_protocol as proto
from devices.idcard.base import IdentityDocument
from devices.idcard.ga467_text import PHOTO_LEN, decode_read_data, decode_text, \
    encode_text
from devices.idcard.idnumber import check_digit
from devices.idcard.nations import NATIONS, nation_name
from devices.idcard.wlt import PhotoDecodeError
from fuzzing.source import Source, Target, mutate, mutate_text, other_digits, text

_COMMANDS = (proto.RESET_SAM, proto.SAM_STATUS, proto.FIND_CARD, proto.SELECT_CARD,
             proto.READ_TEXT_PHOTO)
_RESULTS = (0x90, 0x9F, 0x80, 0x81, 0x41, 0x31, 0x32, 0x11, 0x60, 0x00, 0xFF)


@dataclass(frozen=True)
class Stream:
    """Chunks as serial reads return them; `frames` are the bodies a clean stream holds."""

    chunks: tuple[bytes, ...]
    frames: tuple[bytes, ...] | None  # None: corrupted on purpose, no exact answer


def _reply(src: Source) -> tuple[bytes, bytes]:
    """(frame, its body): a reply with status bytes and up to 300 data bytes."""
    body = bytes([src.num(0, 255), src.num(0, 255), src.choice(_RESULTS)]) + src.raw(300)
    return proto.encode_response(body[2], body[3:], body[0], body[1]), body


def _garbage(src: Source, clean: bool) -> bytes:
    junk = src.raw(40)
    # 0xAA starts a preamble: a clean stream's garbage must not hold one that swallows a frame.
    return junk.replace(b"\xaa", b"\x00") if clean else junk


def gen_stream(src: Source) -> Stream:
    clean = src.num(0, 1) == 1
    stream, frames = bytearray(), []
    for _ in range(src.num(0, 4)):
        stream += _garbage(src, clean)
        frame, body = _reply(src)
        stream += frame if clean else mutate(src, frame)
        frames.append(body)
    stream += _garbage(src, clean)
    if not clean:
        stream = bytearray(mutate(src, bytes(stream)))
    step, chunks, at = src.num(1, 64), [], 0
    while at < len(stream):
        chunks.append(bytes(stream[at:at + step]))
        at += step
    return Stream(tuple(chunks), tuple(frames) if clean else None)


def _drain(parser: proto.FrameParser, got: list[bytes]) -> int:
    """Every frame the parser has now; the number of FrameErrors on the way."""
    errors = 0
    for _ in range(parser.pending + 2):  # each call consumes bytes, raises, or waits
        try:
            frame = parser.next_frame()
        except proto.FrameError:
            errors += 1
            continue
        if frame is None:
            assert parser.pending < proto.HEADER_LEN + proto.MAX_BODY_LEN
            return errors
        assert isinstance(frame, bytes) and len(frame) >= proto.MIN_BODY_LEN - 1
        got.append(frame)
    raise AssertionError("the parser neither consumed bytes nor waited")


def check_stream(stream: Stream) -> bool:
    parser, got, errors = proto.FrameParser(), list[bytes](), 0
    for chunk in stream.chunks:
        parser.feed(chunk)
        errors += _drain(parser, got)
    for body in got:
        _response(body)
    if stream.frames is not None:
        assert errors == 0 and tuple(got) == stream.frames
    return errors == 0


def _response(body: bytes) -> proto.Response | None:
    try:
        response = proto.decode_response(body)
    except proto.FrameError:
        return None
    assert bytes([response.sw1, response.sw2, response.result]) + response.data == body
    error = proto.result_error(response.result, "fuzz")
    assert error is None or isinstance(error, DeviceError)
    return response


def gen_frame(src: Source) -> tuple[bytes, bytes | None]:
    """(frame bytes, the body they encode when left unmutated)."""
    if src.num(0, 1):
        command, data = src.choice(_COMMANDS), src.raw(16)
        frame, body = proto.encode_command(command, data), bytes(command) + data
    else:
        frame, body = _reply(src)
    if src.num(0, 3) == 0:
        return frame, body
    mutated = mutate(src, frame, rounds=4)
    return mutated, body if mutated == frame else None


def check_frame(case: tuple[bytes, bytes | None]) -> bool:
    frame, expected = case
    parser = proto.FrameParser()
    parser.feed(frame)
    try:
        body = parser.next_frame()
    except proto.FrameError:
        assert expected is None
        return False
    if expected is not None:
        assert body == expected
    if body is None:
        return False
    return _response(body) is not None


_FIRST17 = "0123456789"
_NAMES = "张王李赵明华丽芳伟强阿依古丽·买买提"


def _id_number(src: Source, birth: str) -> str:
    first17 = "".join(src.choice(_FIRST17) for _ in range(6)) + birth + \
        "".join(src.choice(_FIRST17) for _ in range(3))
    return first17 + check_digit(first17)


def _ymd(src: Source) -> str:
    return _ymd_of(date.fromordinal(src.num(date(1900, 1, 1).toordinal(),
                                            date(2099, 12, 31).toordinal())))


def card_fields(src: Source) -> dict[str, str]:
    """Fields a real card could hold: every one of them valid."""
    birth = _ymd(src)
    return {"name": text(src, 1, _NAMES) + text(src, 6, _NAMES) or "张",
            "sex": src.choice("12"), "nation": src.choice(sorted(NATIONS)), "birth": birth,
            "address": text(src, 30, _NAMES + "0123456789号路"),
            "id_number": _id_number(src, birth), "issuer": text(src, 12, _NAMES + "公安局"),
            "valid_from": _ymd(src), "valid_until": src.choice(("长期", _ymd(src)))}


def read_data(text_block: bytes, photo: bytes) -> bytes:
    return len(text_block).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text_block + photo


@dataclass(frozen=True)
class Reply:
    """The data of a 30 01 reply, and the fields it was made from when left valid."""

    data: bytes
    fields: dict[str, str] | None


def gen_text_block(src: Source) -> Reply:
    fields = card_fields(src)
    photo = src.choice((b"", b"WLT" + bytes(PHOTO_LEN - 3)))
    how = src.num(0, 4)
    if how == 0:
        return Reply(read_data(encode_text(fields), photo), fields)
    if how == 4:  # a date, code or number in another script's digits
        key = src.choice(("birth", "valid_from", "valid_until", "id_number", "nation", "sex"))
        fields[key] = other_digits(src, fields[key])
        return Reply(read_data(encode_text(fields), photo), None)
    if how == 1:  # one field replaced by any text
        key = src.choice(sorted(fields))
        value = src.choice((text(src, 20), mutate_text(src, fields[key])))
        # Lone surrogates cannot be encoded; damaged bytes (how 2 and 3) stand in for them.
        fields[key] = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
        return Reply(read_data(encode_text(fields), photo), None)
    if how == 2:  # the encoded block damaged
        return Reply(read_data(mutate(src, encode_text(fields), 6), photo), None)
    return Reply(mutate(src, read_data(encode_text(fields), photo), 6), None)


def check_text_block(reply: Reply) -> bool:
    try:
        doc = decode_read_data(reply.data)
    except (proto.InvalidCardData, PhotoDecodeError):
        assert reply.fields is None
        return False
    assert isinstance(doc, IdentityDocument)
    # What was accepted is what the block says, and says again when written back.
    again = _fields_of(doc)
    assert decode_text(encode_text(again)) == again
    block = decode_text(reply.data[4:4 + int.from_bytes(reply.data[:2], "big")])
    # The reader upper-cases the ID number and reads a nation code "1" as "01".
    exact = {"id_number", "nation"}
    assert {k: v for k, v in block.items() if k not in exact} == \
        {k: v for k, v in again.items() if k not in exact}
    assert block["id_number"].upper() == doc.id_number
    assert nation_name(block["nation"]) == doc.nation
    if reply.fields is not None:
        assert again == reply.fields
    return True


def _fields_of(doc: IdentityDocument) -> dict[str, str]:
    sex = {"男": "1", "女": "2"}[doc.sex]
    nation = next(code for code, name in NATIONS.items() if name == doc.nation)
    until = _ymd_of(doc.valid_until) if doc.valid_until else "长期"
    return {"name": doc.name, "sex": sex, "nation": nation,
            "birth": _ymd_of(doc.birth_date), "address": doc.address,
            "id_number": doc.id_number, "issuer": doc.issuer,
            "valid_from": _ymd_of(doc.valid_from), "valid_until": until}


def _ymd_of(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"  # strftime drops a year's zeros


TARGETS: tuple[Target[Any], ...] = (
    Target("ga467_stream", "serial bytes in chunks, clean (every frame found, in order) or "
           "corrupted (FrameError only) -> FrameParser", gen_stream, check_stream),
    Target("ga467_frame", "one command or reply frame, intact (round trip) or mutated -> "
           "FrameParser, decode_response, result_error", gen_frame, check_frame),
    Target("text_block", "30 01 read data: lengths, UCS-2 text block, photo; valid cards "
           "round-trip, damaged ones are InvalidCardData", gen_text_block, check_text_block),
)
