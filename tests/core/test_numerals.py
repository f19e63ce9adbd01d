"""大写金额 per 《会计基础工作规范》第五十二条: every zero pattern, group boundary and the 整 rule."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techfund.core.numerals import yuan_in_words

CASES = [
    # Brief's examples
    ("0.00", "零元整"),
    ("0.05", "伍分"),
    ("1.05", "壹元零伍分"),
    ("1.20", "壹元贰角整"),
    ("100.00", "壹佰元整"),
    ("1001.00", "壹仟零壹元整"),
    ("1010.10", "壹仟零壹拾元壹角整"),
    ("10000.00", "壹万元整"),
    ("100010.00", "壹拾万零壹拾元整"),
    ("105000.00", "壹拾万伍仟元整"),
    ("200000000.00", "贰亿元整"),
    # Below one yuan: no 元 part
    ("0.50", "伍角整"),
    ("0.55", "伍角伍分"),
    ("0.01", "壹分"),
    # 元, 角, 分 and 整
    ("1.00", "壹元整"),
    ("1.23", "壹元贰角叁分"),
    ("10.05", "壹拾元零伍分"),
    ("10.50", "壹拾元伍角整"),
    ("1000.05", "壹仟元零伍分"),
    ("1000.55", "壹仟元伍角伍分"),
    # A leading ten is 壹拾
    ("10.00", "壹拾元整"),
    ("11.00", "壹拾壹元整"),
    ("100000.00", "壹拾万元整"),
    ("1000000000.00", "壹拾亿元整"),
    # Zeros inside a group: one 零 for a run, none at the end
    ("101.00", "壹佰零壹元整"),
    ("110.00", "壹佰壹拾元整"),
    ("1100.00", "壹仟壹佰元整"),
    ("1010.00", "壹仟零壹拾元整"),
    ("1000.00", "壹仟元整"),
    ("9009.09", "玖仟零玖元零玖分"),
    # Zeros across the 万 boundary
    ("10001.00", "壹万零壹元整"),
    ("10010.00", "壹万零壹拾元整"),
    ("10100.00", "壹万零壹佰元整"),
    ("11000.00", "壹万壹仟元整"),
    ("100100.00", "壹拾万零壹佰元整"),
    ("1000001.00", "壹佰万零壹元整"),
    ("1010000.00", "壹佰零壹万元整"),
    ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
    # Zeros across the 亿 boundary (and an empty 万 group)
    ("100000000.00", "壹亿元整"),
    ("100000001.00", "壹亿零壹元整"),
    ("100001000.00", "壹亿零壹仟元整"),
    ("100010000.00", "壹亿零壹万元整"),
    ("100100000.00", "壹亿零壹拾万元整"),
    ("110000000.00", "壹亿壹仟万元整"),
    ("101010101.01", "壹亿零壹佰零壹万零壹佰零壹元零壹分"),
    ("1000000000.10", "壹拾亿元壹角整"),
    ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    # 万亿
    ("1000000000000.00", "壹万亿元整"),
    ("1000000000001.00", "壹万亿零壹元整"),
    ("1000050000000.00", "壹万亿伍仟万元整"),
    ("1000100000000.00", "壹万零壹亿元整"),
    ("10000000000000.00", "壹拾万亿元整"),
    ("9999999999999999.99", "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize(("amount", "words"), CASES)
def test_yuan_in_words(amount, words):
    assert yuan_in_words(Decimal(amount)) == words


def test_integers_and_extra_trailing_zeros_are_fine():
    assert yuan_in_words(105000) == "壹拾万伍仟元整"
    assert yuan_in_words(Decimal("1.000")) == "壹元整"
    assert yuan_in_words(Decimal("1E+2")) == "壹佰元整"
    assert yuan_in_words(Decimal("-0.00")) == "零元整"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("-0.01"), "金额不能为负数：-0.01。"),
        (-5, "金额不能为负数：-5。"),
        (Decimal("1.005"), "金额最多保留两位小数（到分）：1.005。"),
        (Decimal("0.001"), "金额最多保留两位小数（到分）：0.001。"),
        (Decimal("10000000000000000"), "金额过大，大写金额只写到万亿（小于1亿亿元）：10000000000000000。"),
        (Decimal("1E+30"), "金额过大，大写金额只写到万亿（小于1亿亿元）：1E+30。"),
        (Decimal("NaN"), "金额必须是有限的数字：NaN。"),
        (Decimal("Infinity"), "金额必须是有限的数字：Infinity。"),
        (1.5, "金额应为 Decimal 或整数，实际是 float：1.5。"),
        ("1.00", "金额应为 Decimal 或整数，实际是 str：'1.00'。"),
        (True, "金额应为 Decimal 或整数，实际是 bool：True。"),
    ],
)
def test_refusals_are_in_chinese(amount, message):
    with pytest.raises(ValueError) as exc:
        yuan_in_words(amount)
    assert str(exc.value) == message


# ---------------------------------------------------------------------------------------------------
# Round trip through an independent reader

DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
PLACE = {"拾": 10, "佰": 100, "仟": 1000}
WELL_FORMED = re.compile(
    r"^(?:(?P<yuan>[零壹贰叁肆伍陆柒捌玖拾佰仟万亿]+)元)?(?:零?(?P<jiao>[壹贰叁肆伍陆柒捌玖])角)?"
    r"(?:零?(?P<fen>[壹贰叁肆伍陆柒捌玖])分)?(?P<whole>整)?$"
)


def parse_yuan_in_words(words: str) -> Decimal:
    """Read a 大写金额 back into yuan, checking the 整 rule on the way."""
    m = WELL_FORMED.match(words)
    assert m, words
    assert bool(m["whole"]) == (m["fen"] is None), f"整 only without 分: {words}"
    assert m["yuan"] or m["jiao"] or m["fen"] or words == "零元整", words
    yuan = _read_integer(m["yuan"] or "")
    jiao = DIGIT[m["jiao"]] if m["jiao"] else 0
    fen = DIGIT[m["fen"]] if m["fen"] else 0
    return Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100


def _read_integer(words: str) -> int:
    for unit, size in (("亿", 10**8), ("万", 10**4)):
        if unit in words:
            upper, _, lower = words.rpartition(unit)
            return _read_integer(upper) * size + _read_integer(lower)
    total, digit = 0, None
    for ch in words:
        if ch in PLACE:
            assert digit is not None, f"a place needs its digit (壹拾, not 拾): {words}"
            total += digit * PLACE[ch]
            digit = None
        else:
            digit = DIGIT[ch]
    return total + (digit or 0)


@given(st.integers(min_value=0, max_value=99_999_999_999_999))
def test_round_trip(fen):
    amount = Decimal(fen) / 100
    words = yuan_in_words(amount)
    assert parse_yuan_in_words(words) == amount
    # Never two 零 in a row, never a 零 before a group unit or 元, never a trailing 零.
    assert "零零" not in words
    assert not re.search("零[万亿元角分整]", words) or words == "零元整"


@given(st.integers(min_value=0, max_value=9_999))
def test_one_zero_per_inner_run_within_a_group(yuan):
    """Inside one group: 零 for each run of zeros between two non-zero digits, none at the end."""
    inner_runs = len(re.findall("(?<=[1-9])0+(?=[1-9])", str(yuan)))
    words = yuan_in_words(Decimal(yuan))
    assert words.count("零") == (inner_runs if yuan else 1)


@given(st.integers(min_value=1, max_value=99_999_999_999_999))
def test_every_nonzero_digit_is_written_once(fen):
    words = yuan_in_words(Decimal(fen) / 100)
    written = [c for c in words if c in DIGIT and c != "零"]
    assert len(written) == sum(1 for c in str(fen) if c != "0")
