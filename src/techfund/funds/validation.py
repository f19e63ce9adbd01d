"""Input checks shared by the fund services. Each raises ``ServiceError`` naming the field at fault."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.services import ledger

#: The largest amount a DecimalField(max_digits=18, decimal_places=2) holds.
MAX_AMOUNT = Decimal("9999999999999999.99")
SHARE_PLACES = Decimal("0.0001")


def amount(value, *, field: str = "amount", label: str = "") -> Decimal:
    """A positive yuan amount with at most two places (``ledger.money`` does the parsing)."""
    prefix = f"{label}：" if label else ""
    if value is None or (isinstance(value, str) and not value.strip()):
        msg = prefix + _("请填写金额。")
        raise ServiceError(msg, code="amount_required", errors={field: [msg]})
    if isinstance(value, bool):
        msg = prefix + _("金额“%(v)s”不是有效的数字。") % {"v": value}
        raise ServiceError(msg, code="amount_invalid", errors={field: [msg]})
    try:
        amt = ledger.money(value)
    except ServiceError as exc:
        msg = prefix + str(exc.message)
        raise ServiceError(msg, code=exc.code, errors={field: [msg]}) from exc
    if amt <= 0:
        msg = prefix + _("金额必须大于零。")
        raise ServiceError(msg, code="amount_not_positive", errors={field: [msg]})
    if amt > MAX_AMOUNT:
        msg = prefix + _("金额过大。")
        raise ServiceError(msg, code="amount_too_large", errors={field: [msg]})
    return amt


def share(value, *, field: str = "equity_pilot_share") -> Decimal:
    """A share in [0, 1] with at most four places (e.g. 0.2 = 20%)."""
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        msg = _("比例“%(v)s”不是有效的数字。") % {"v": value}
        raise ServiceError(msg, code="share_invalid", errors={field: [msg]}) from exc
    if isinstance(value, bool) or not d.is_finite():
        msg = _("比例“%(v)s”不是有效的数字。") % {"v": value}
        raise ServiceError(msg, code="share_invalid", errors={field: [msg]})
    if d < 0 or d > 1:
        msg = _("股权投资试点比例必须在 0 到 1 之间（例如 0.2 表示 20%%），收到 %(v)s。") % {"v": value}
        raise ServiceError(msg, code="share_out_of_range", errors={field: [msg]})
    if d != d.quantize(SHARE_PLACES):
        msg = _("股权投资试点比例最多保留四位小数。")
        raise ServiceError(msg, code="share_precision", errors={field: [msg]})
    return d.quantize(SHARE_PLACES)


def reason(value, *, message: str, field: str = "reason") -> str:
    text = (value or "").strip()
    if not text:
        raise ServiceError(message, code="reason_required", errors={field: [_("请填写理由。")]})
    return text


def text(value, *, field: str, max_length: int, label: str) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        msg = _("%(label)s不能超过%(n)s个字符。") % {"label": label, "n": max_length}
        raise ServiceError(msg, code="text_too_long", errors={field: [msg]})
    return value


def fmt(amount_value) -> str:
    return f"{amount_value:,.2f}"
