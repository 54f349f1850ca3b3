"""Masking rules for names, ID numbers and phones."""

from services.privacy import mask_id_number, mask_name, mask_phone


def test_mask_name() -> None:
    assert mask_name("张小明") == "张*明"
    assert mask_name("欧阳明月") == "欧**月"
    assert mask_name("张明") == "张*"
    assert mask_name("明") == "*"
    assert mask_name("") == ""


def test_mask_id_number() -> None:
    assert mask_id_number("420702199001011234") == "4207**********1234"
    assert mask_id_number("1234") == "****"


def test_mask_phone() -> None:
    assert mask_phone("13800138000") == "138****8000"
