"""GA 467 frames and the text block: known bytes and resync (fuzzed in fuzzing/ga467.py)."""

from __future__ import annotations

import pytest
from ga467_emulator import ID_NUMBER, Card, card_fields, read_data, reply

from devices.base import DeviceError, DeviceTimeout, NoCard
from devices.idcard import ga467_protocol as proto
from devices.idcard import wlt
from devices.idcard.ga467_text import decode_read_data, decode_text, encode_text

# Frames as readers' manuals print them.
KNOWN = {
    proto.FIND_CARD: "AAAAAA9669000320 0122",
    proto.SELECT_CARD: "AAAAAA9669000320 0221",
    proto.READ_TEXT_PHOTO: "AAAAAA9669000330 0132",
    proto.SAM_STATUS: "AAAAAA9669000311 FFED",
}


@pytest.mark.parametrize("command", list(KNOWN))
def test_known_command_frames(command: tuple[int, int]) -> None:
    assert proto.encode_command(command) == bytes.fromhex(KNOWN[command].replace(" ", ""))


def frames_of(parser: proto.FrameParser) -> list[bytes]:
    out = []
    while True:
        try:
            frame = parser.next_frame()
        except proto.FrameError:
            continue
        if frame is None:
            return out
        out.append(frame)


def test_split_anywhere_and_garbage_between() -> None:
    stream = b"\x01\x02\xaa" + reply(0x9F) + b"\xaa\xaa\x00" + reply(0x90, b"xyz") + b"\xaa"
    for cut in range(len(stream)):
        parser = proto.FrameParser()
        parser.feed(stream[:cut])
        got = frames_of(parser)
        parser.feed(stream[cut:])
        got += frames_of(parser)
        assert [proto.decode_response(f).result for f in got] == [0x9F, 0x90]


def test_corrupt_frame_raises_once_then_next_frame_is_found() -> None:
    bad = bytearray(reply(0x90, b"data"))
    bad[-1] ^= 1
    parser = proto.FrameParser()
    parser.feed(bytes(bad) + reply(0x9F))
    with pytest.raises(proto.ChecksumError):
        parser.next_frame()
    frame = parser.next_frame()
    assert frame is not None and proto.decode_response(frame).result == 0x9F


def test_impossible_length_is_a_frame_error() -> None:
    parser = proto.FrameParser()
    parser.feed(proto.PREAMBLE + b"\xff\xff\x00")
    with pytest.raises(proto.FrameError):
        parser.next_frame()
    assert parser.next_frame() is None


def test_garbage_alone_keeps_the_buffer_small() -> None:
    parser = proto.FrameParser()
    parser.feed(b"\x00" * 100_000)
    assert parser.next_frame() is None and parser.pending < len(proto.PREAMBLE)


@pytest.mark.parametrize(("code", "kind", "reason"), [
    (0x80, NoCard, "no-card"), (0x81, proto.CardReadError, "select-failed"),
    (0x41, proto.CardReadError, "read-failed"), (0x11, DeviceTimeout, "sam-timeout"),
    (0x31, proto.CardReadError, "card-auth-failed"), (0x32, DeviceError, "reader-auth-failed"),
    (0x60, DeviceError, "self-test-failed"), (0x07, DeviceError, "unknown-result")])
def test_result_codes_map_to_typed_errors(code: int, kind: type, reason: str) -> None:
    error = proto.result_error(code, "op")
    assert isinstance(error, kind) and error.reason == reason
    assert proto.result_error(0x90, "op") is None and proto.result_error(0x9F, "op") is None


def test_text_block_round_trip() -> None:
    fields = card_fields()
    assert decode_text(encode_text(fields)) == fields


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("sex", "3", "bad-sex"), ("nation", "77", "bad-nation"), ("birth", "19901307", "bad-date"),
    ("valid_until", "2040", "bad-date"), ("id_number", ID_NUMBER[:-1] + "Y", "bad-id-number"),
    ("birth", "19900308", "bad-id-number"), ("name", "", "bad-name"),
    ("name", "张\u202e明", "bad-name"), ("name", "张\x01明", "bad-name"),
    ("id_number", ID_NUMBER.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
     "bad-id-number"),
    # Found by make fuzz: isdigit() holds for other scripts' digits and int() reads them, so
    # these dates were taken as 0900-12-30 and 2020-01-01.
    ("valid_from", "\u1a909001230", "bad-date"), ("valid_until", "２０４００１０１", "bad-date")])
def test_bad_fields_are_named_not_shown(field: str, value: str, reason: str) -> None:
    with pytest.raises(proto.InvalidCardData) as info:
        decode_read_data(read_data(card_fields(**{field: value}), b""))
    assert info.value.reason == reason
    assert "张三明" not in str(info.value) and ID_NUMBER not in str(info.value)


def test_lone_surrogate_is_bad_encoding() -> None:
    data = bytearray(Card(card_fields()).data())
    data[4:6] = b"\x00\xd8"
    with pytest.raises(proto.InvalidCardData) as info:
        decode_read_data(bytes(data))
    assert info.value.reason == "bad-encoding"


def test_photo_decoder_hook() -> None:
    card = Card(card_fields())
    assert wlt.photo_format(decode_read_data(card.data()).photo) == "wlt"
    doc = decode_read_data(card.data(), lambda raw: b"BM" + raw[:10])
    assert wlt.photo_format(doc.photo) == "bmp"
    wlt.set_photo_decoder(lambda raw: b"\xff\xd8" + raw[:4])
    try:
        assert wlt.photo_format(decode_read_data(card.data()).photo) == "jpeg"
    finally:
        wlt.set_photo_decoder(None)

    def broken(raw: bytes) -> bytes:
        raise RuntimeError("vendor library crashed")
    with pytest.raises(wlt.PhotoDecodeError):
        decode_read_data(card.data(), broken)
