"""Input checks shared by the calls and applications services.

Each parser raises ``ServiceError`` naming the field at fault; a ``Collector`` gathers the errors of
every field so a form shows them all at once, then raises one ``ServiceError`` (nothing saved).
"""

import datetime as dt
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.services import ledger
from techfund.funds.validation import MAX_AMOUNT
from techfund.funds.validation import fmt as fmt_money

SHANGHAI = ZoneInfo("Asia/Shanghai")
RATIO_PLACES = Decimal("0.0001")
MAX_RATIO = Decimal("99.9999")

__all__ = [
    "Collector",
    "boolean",
    "day",
    "fmt_money",
    "fmt_ratio",
    "fmt_time",
    "integer",
    "moment",
    "money",
    "ratio",
    "text",
]


def fmt_time(value: dt.datetime) -> str:
    """A moment as people in the city read it: 2026-03-31 17:00 (Asia/Shanghai)."""
    return timezone.localtime(value, SHANGHAI).strftime("%Y-%m-%d %H:%M")


def fmt_ratio(value) -> str:
    """1.0000 → "1", 0.5000 → "0.5"."""
    d = Decimal(value).normalize()
    return format(d, "f")


def _fail(field: str, message: str, code: str = "invalid"):
    raise ServiceError(message, code=code, errors={field: [message]})


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class Collector:
    """Gathers field errors: ``c.take(parser, value, field=…)`` returns the parsed value or ``None``."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def merge(self, exc: ServiceError) -> None:
        if exc.errors:
            for field, messages in exc.errors.items():
                for m in messages:
                    self.add(field, m)
        else:
            self.add("__all__", exc.message)

    def take(self, parser, *args, **kwargs):
        try:
            return parser(*args, **kwargs)
        except ServiceError as exc:
            self.merge(exc)
            return None

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, code: str, message=None) -> None:
        if not self.errors:
            return
        messages = [m for ms in self.errors.values() for m in ms]
        if len(messages) == 1:
            msg = messages[0]
        else:
            msg = message or _("填写的内容有 %(n)s 处需要修改，请按提示修改。") % {"n": len(messages)}
        raise ServiceError(msg, code=code, errors=dict(self.errors))


def text(value, *, field: str, label, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        _fail(field, _("%(label)s格式不正确。") % {"label": label})
    value = value.strip()
    if required and not value:
        _fail(field, _("请填写%(label)s。") % {"label": label}, "required")
    if len(value) > max_length:
        _fail(field, _("%(label)s不能超过%(n)s个字符。") % {"label": label, "n": max_length}, "text_too_long")
    return value


def money(value, *, field: str, label, positive: bool = False, required: bool = False) -> Decimal | None:
    """A yuan amount (≥ 0, or > 0 when ``positive``) with at most two places. Blank → ``None``."""
    if _blank(value):
        if required:
            _fail(field, _("请填写%(label)s。") % {"label": label}, "required")
        return None
    if isinstance(value, bool):
        _fail(field, _("%(label)s“%(v)s”不是有效的金额。") % {"label": label, "v": value}, "amount_invalid")
    try:
        amt = ledger.money(value)
    except ServiceError:
        try:
            d = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            d = None
        if d is not None and d.is_finite():
            _fail(field, _("%(label)s最多保留两位小数（到分）。") % {"label": label}, "amount_precision")
        _fail(field, _("%(label)s“%(v)s”不是有效的金额。") % {"label": label, "v": value}, "amount_invalid")
    if positive and amt <= 0:
        _fail(field, _("%(label)s必须大于零。") % {"label": label}, "amount_not_positive")
    if amt < 0:
        _fail(field, _("%(label)s不能为负数。") % {"label": label}, "amount_negative")
    if amt > MAX_AMOUNT:
        _fail(field, _("%(label)s过大。") % {"label": label}, "amount_too_large")
    return amt


def ratio(value, *, field: str, label) -> Decimal:
    """A non-negative ratio with at most four places (1 = as much as, 0.5 = half of)."""
    if _blank(value):
        return Decimal("0")
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        d = None
    if d is None or isinstance(value, bool) or not d.is_finite():
        _fail(field, _("%(label)s“%(v)s”不是有效的数字。") % {"label": label, "v": value}, "ratio_invalid")
    if d < 0 or d > MAX_RATIO:
        _fail(field, _("%(label)s必须在 0 到 99.9999 之间。") % {"label": label}, "ratio_out_of_range")
    if d != d.quantize(RATIO_PLACES):
        _fail(field, _("%(label)s最多保留四位小数。") % {"label": label}, "ratio_precision")
    return d.quantize(RATIO_PLACES)


def integer(value, *, field: str, label, minimum: int = 0, maximum: int = 32767) -> int:
    try:
        n = int(str(value).strip()) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        n = None
    if n is None or isinstance(value, float) and value != int(value):
        _fail(field, _("%(label)s须为整数。") % {"label": label}, "integer_invalid")
    if n < minimum or n > maximum:
        _fail(
            field,
            _("%(label)s须为 %(lo)s 到 %(hi)s 之间的整数。") % {"label": label, "lo": minimum, "hi": maximum},
            "integer_out_of_range",
        )
    return n


def moment(value, *, field: str, label, required: bool = True) -> dt.datetime | None:
    """A date and time (a ``datetime`` or ISO text); a time without a zone is read as Beijing time."""
    if _blank(value):
        if required:
            _fail(field, _("请填写%(label)s。") % {"label": label}, "required")
        return None
    if isinstance(value, dt.datetime):
        moment_ = value
    elif isinstance(value, str):
        try:
            moment_ = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            moment_ = None
        if moment_ is None:
            _fail(
                field,
                _("%(label)s“%(v)s”不是有效的日期时间。") % {"label": label, "v": value},
                "datetime_invalid",
            )
    else:
        _fail(field, _("%(label)s不是有效的日期时间。") % {"label": label}, "datetime_invalid")
    if timezone.is_naive(moment_):
        moment_ = timezone.make_aware(moment_, SHANGHAI)
    return moment_


def day(value, *, field: str, label, required: bool = False) -> dt.date | None:
    if _blank(value):
        if required:
            _fail(field, _("请填写%(label)s。") % {"label": label}, "required")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    _fail(
        field,
        _("%(label)s“%(v)s”不是有效的日期（例如 2026-12-31）。") % {"label": label, "v": value},
        "date_invalid",
    )


def boolean(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes", "y", "是")
    return bool(value)
