"""统一社会信用代码 (unified social credit code) validation per GB 32100-2015.

The 18 characters are: registration authority (1), organisation type (1), administrative division
(6 digits), the organisation code of GB 11714 (8 characters and its own check character), and the
check character of the whole code. Letters I, O, Z, S and V are never used.

``check(code)`` returns ``None`` for a valid code, else a message that names the position that is
wrong and, for a check character, the one expected.
"""

from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714 organisation code (positions 9-17): digits and letters A-Z valued 10-35.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (which must use the code alphabet)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_code_check_character(body8: str) -> str:
    """The 9th character of a GB 11714 organisation code for its first eight."""
    c = 11 - sum(_org_value(ch) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def normalise(code: str) -> str:
    return (code or "").strip().upper()


def check(code: str) -> str | None:
    code = normalise(code)
    if len(code) != 18:
        return _("统一社会信用代码应为18位，实际为%(n)d位。") % {"n": len(code)}
    for i, ch in enumerate(code, start=1):
        if ch not in _VALUE:
            return _("统一社会信用代码第%(pos)d位“%(ch)s”不是允许的字符（不使用I、O、Z、S、V）。") % {
                "pos": i,
                "ch": ch,
            }
    for i in range(3, 9):
        if not code[i - 1].isdigit():
            return _("统一社会信用代码第%(pos)d位应为数字（第3至8位是行政区划码），实际为“%(ch)s”。") % {
                "pos": i,
                "ch": code[i - 1],
            }
    expected_org = org_code_check_character(code[8:16])
    if code[16] != expected_org:
        return _("统一社会信用代码第17位（组织机构代码校验码）应为“%(exp)s”，实际为“%(ch)s”。") % {
            "exp": expected_org,
            "ch": code[16],
        }
    expected = check_character(code[:17])
    if code[17] != expected:
        return _("统一社会信用代码第18位（校验码）应为“%(exp)s”，实际为“%(ch)s”。") % {
            "exp": expected,
            "ch": code[17],
        }
    return None


def make(prefix: str, serial8: str) -> str:
    """Build a valid code from 8 leading characters (authority, type, division) and an 8-char serial.

    Used by factories and the demo generator so that their codes are valid by construction.
    """
    body = prefix + serial8 + org_code_check_character(serial8)
    return body + check_character(body)
