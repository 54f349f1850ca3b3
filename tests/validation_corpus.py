"""Good and bad ID numbers, phones and names: one corpus for every validator that checks them."""

from __future__ import annotations

_FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

GOOD_ID_NUMBERS = [
    "11010519491231002X",  # the worked example of GB 11643-1999
    "420102199001010014",
    "420702198002290044",  # born on a 29 February
    "110101199003071233",
    "440306200012315556",
]

BAD_ID_NUMBERS = [
    "110105194912310021",  # wrong check digit
    "11010519491231002Y",
    "110105198013320011",  # 1980-13-32 is no date (check digit right for the 17 digits)
    "420702198102290041",  # 29 February of a common year
    "000000000000000000",
    "11010519491231002x",  # lower-case x: GB 11643 writes X; the API takes the canonical form
    "11010519491231002X".translate(_FULLWIDTH),
    "420102199001010014".translate(_ARABIC_INDIC),
    "4201021990010100１4",  # one fullwidth digit is enough
    " 420102199001010014",
    "420102199001010014 ",
    "420102199001010014\n",
    "42010219900101001",
    "4201021990010100140",
    "",
    "abcdefghijklmnopqr",
]

GOOD_PHONES = ["13800138000", "19912345678", "15000000001"]

BAD_PHONES = [
    "1380013800",
    "138001380000",
    "23800138000",
    "+8613800138000",
    "138 0013 8000",
    "13800138000\n",
    "１３８００１３８０００",
    "١٣٨٠٠١٣٨٠٠٠",
    "",
]

GOOD_NAMES = ["张小明", "李四", "王", "阿卜杜勒·买买提", "Mary Ann", "欧阳" + "娜" * 38]

BAD_NAMES = [
    "",
    "   ",
    "\u3000",  # an ideographic space only
    "张\u202e明",  # right-to-left override
    "张\u202a明",
    "张\u2066明",  # left-to-right isolate
    "张\u2069明",
    "张\x00明",
    "张\n明",
    "张\x1b[0m明",
    "张\u200f明",  # right-to-left mark
    "欧阳" + "娜" * 39,  # 41 characters
]


def id_number(first17: str) -> str:
    """`first17` with its GB 11643 check digit, computed here so the corpus checks the code."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]
