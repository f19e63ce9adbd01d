"""Input checks shared by the review services. Each raises ``ServiceError`` naming the field at fault."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
_CODE = re.compile(r"^[a-z0-9_-]{1,32}$")


def raise_errors(errors: dict, *, code: str, summary: str) -> None:
    """One message when one thing is wrong, a summary when several are; each field keeps its own."""
    msgs = [m for ms in errors.values() for m in ms]
    raise ServiceError(msgs[0] if len(msgs) == 1 else summary, code=code, errors=errors)


def decimal(value, *, field: str, label: str, places: Decimal = CENT) -> Decimal:
    """A finite number with at most two places (strings, ints and Decimals; never bool or float noise)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        msg = _("请填写%(label)s。") % {"label": label}
        raise ServiceError(msg, code="number_required", errors={field: [msg]})
    if isinstance(value, bool):
        value = "?"
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        d = None
    if d is None or not d.is_finite():
        msg = _("%(label)s“%(v)s”不是有效的数字。") % {"label": label, "v": value}
        raise ServiceError(msg, code="number_invalid", errors={field: [msg]})
    if d != d.quantize(places):
        msg = _("%(label)s最多保留两位小数。") % {"label": label}
        raise ServiceError(msg, code="number_precision", errors={field: [msg]})
    return d.quantize(places)


def required_text(value, *, field: str, max_length: int, label: str, message: str | None = None) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        msg = message or _("请填写%(label)s。") % {"label": label}
        raise ServiceError(msg, code=f"{field}_required", errors={field: [msg]})
    return optional_text(text, field=field, max_length=max_length, label=label)


def optional_text(value, *, field: str, max_length: int, label: str) -> str:
    if value is not None and not isinstance(value, str):
        msg = _("%(label)s格式不正确。") % {"label": label}
        raise ServiceError(msg, code="text_invalid", errors={field: [msg]})
    text = (value or "").strip()
    if len(text) > max_length:
        msg = _("%(label)s不能超过%(n)s个字符。") % {"label": label, "n": max_length}
        raise ServiceError(msg, code="text_too_long", errors={field: [msg]})
    return text


def text_list(value, *, field: str, label: str, max_items: int = 50, max_length: int = 50) -> list[str]:
    """A list of short labels (subjects, keywords); a string is split on commas and 、/；."""
    if value is None:
        return []
    if isinstance(value, str):
        for sep in ("，", "、", ";", "；"):
            value = value.replace(sep, ",")
        value = value.split(",")
    if not isinstance(value, list | tuple) or any(not isinstance(v, str) for v in value):
        msg = _("%(label)s应为文字列表。") % {"label": label}
        raise ServiceError(msg, code="list_invalid", errors={field: [msg]})
    out: list[str] = []
    for item in (v.strip() for v in value):
        if item and item not in out:
            if len(item) > max_length:
                msg = _("%(label)s中的“%(v)s”过长（最多%(n)s个字符）。") % {
                    "label": label,
                    "v": item[:20],
                    "n": max_length,
                }
                raise ServiceError(msg, code="list_item_too_long", errors={field: [msg]})
            out.append(item)
    if len(out) > max_items:
        msg = _("%(label)s最多%(n)s项。") % {"label": label, "n": max_items}
        raise ServiceError(msg, code="list_too_long", errors={field: [msg]})
    return out


def criterion_code(value, *, field: str) -> str:
    code = value.strip() if isinstance(value, str) else ""
    if not code:
        msg = _("请填写评审要素代码。")
        raise ServiceError(msg, code="criterion_code_required", errors={field: [msg]})
    if not _CODE.match(code):
        msg = _("评审要素代码“%(v)s”只能由小写字母、数字、连字符和下划线组成，最长32位。") % {"v": code}
        raise ServiceError(msg, code="criterion_code_invalid", errors={field: [msg]})
    return code


def round2(value: Decimal) -> Decimal:
    """Two places, half up (the rounding every score and mean uses)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt_score(value) -> str:
    return f"{value:.2f}" if value is not None else "—"
