"""Amounts in Chinese capital numerals (大写金额), as written on contracts and payment vouchers.

The form follows 《会计基础工作规范》第五十二条:

- digits 零壹贰叁肆伍陆柒捌玖, places 拾佰仟, groups 万 and 亿 (亿 over 万 gives 万亿), then 元角分;
- an amount that stops at 元 or 角 ends in "整" (壹佰元整, 壹元贰角整); one with 分 does not (壹元零伍分);
- a run of zeros between two written digits, inside a group or across 万/亿, is one "零"
  (壹仟零壹元整, 壹亿零壹仟元整); zeros at the end of a group are not written (壹拾万伍仟元整);
- a leading ten is 壹拾, never a bare 拾 (壹拾万元整);
- when the 元 digit is 0 and the 角 digit is not, the rule allows "零" or nothing; this module writes
  nothing (壹仟零壹拾元壹角整). A zero 角 before a 分 is always "零" (壹元零伍分);
- an amount below one yuan has no 元 part (伍角整, 伍分); nothing at all is 零元整.

Refused with a ``ValueError`` in Chinese: negative amounts (a reversal is written as a positive amount
marked 红字/冲销 elsewhere, not as 负…), amounts finer than a fen (``Decimal("1.005")``; trailing
zeros such as ``Decimal("1.000")`` are fine), amounts of 1亿亿 yuan (10^16) or more, and values that
are not numbers (``float`` is refused: its binary value is not the amount the user wrote).
"""

from decimal import Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
WAN = 10**4
YI = 10**8
#: The largest amount written: 玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿… (just under 1亿亿).
LIMIT = YI * YI
CENT = Decimal("0.01")


def yuan_in_words(amount: Decimal) -> str:
    """The 大写金额 of ``amount`` yuan, e.g. ``Decimal("100010.00")`` → ``壹拾万零壹拾元整``."""
    fen_total = _fen(amount)
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    if fen_total == 0:
        return "零元整"
    words = f"{_integer(yuan)}元" if yuan else ""
    if jiao:
        words += f"{DIGITS[jiao]}角"
    elif fen and yuan:
        words += "零"
    if fen:
        return words + f"{DIGITS[fen]}分"
    return words + "整"


def _fen(amount) -> int:
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise ValueError(f"金额应为 Decimal 或整数，实际是 {type(amount).__name__}：{amount!r}。")
    d = Decimal(amount)
    if not d.is_finite():
        raise ValueError(f"金额必须是有限的数字：{amount}。")
    if d < 0:
        raise ValueError(f"金额不能为负数：{amount}。")
    if d >= LIMIT:
        raise ValueError(f"金额过大，大写金额只写到万亿（小于1亿亿元）：{amount}。")
    if d != d.quantize(CENT):
        raise ValueError(f"金额最多保留两位小数（到分）：{amount}。")
    return int(d.quantize(CENT) * 100)


def _integer(n: int) -> str:
    """A positive whole number of yuan: 亿 above 万 above the last four digits, zeros as described."""
    for size, unit in ((YI, "亿"), (WAN, "万")):
        if n >= size:
            upper, rest = divmod(n, size)
            words = _integer(upper) + unit
            if rest == 0:
                return words
            # A gap right after the group unit (rest has fewer digits than the group) is one 零.
            return words + ("零" if rest < size // 10 else "") + _integer(rest)
    return _below_wan(n)


def _below_wan(n: int) -> str:
    words, gap = "", False
    for place in range(3, -1, -1):
        digit = n // 10**place % 10
        if digit == 0:
            gap = gap or bool(words)
            continue
        if gap:
            words += "零"
            gap = False
        words += DIGITS[digit] + PLACES[place]
    return words
