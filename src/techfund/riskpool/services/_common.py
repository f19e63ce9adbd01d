"""Helpers shared by the risk compensation services (not part of the public interface)."""

from decimal import Decimal, InvalidOperation

from django.db.models import Sum
from django.utils.translation import gettext as _

from techfund.core.services import ledger
from techfund.core.validation import raise_errors, text
from techfund.funds.validation import amount as parse_amount
from techfund.funds.validation import fmt
from techfund.projects.services._common import parse_date, today_or
from techfund.riskpool.enums import COMMITTED_CLAIM_STATES
from techfund.riskpool.models import DefaultClaim, RiskPool

__all__ = [
    "available",
    "committed",
    "collect",
    "fmt",
    "lock_pool",
    "parse_amount",
    "parse_date",
    "parse_rate",
    "pool_rules",
    "raise_errors",
    "text",
    "today_or",
]


def pool_rules(pool) -> dict:
    """The ``risk_compensation`` table of the pool's fund year."""
    return pool.fund_year.profile.rule("risk_compensation") or {}


def lock_pool(pool) -> RiskPool:
    """Lock the pool row first in every service that moves its money or promises it to a claim, so two
    approvals (or an approval and a year-end return) run one after the other."""
    return (
        RiskPool.objects.select_for_update()
        .select_related("fund_year__profile", "bank__organisation", "focus_area", "department", "account")
        .get(pk=pool.pk)
    )


def committed(pool, *, exclude=None) -> Decimal:
    """Compensation approved (or instructed) out of the pool and not yet paid."""
    qs = DefaultClaim.objects.filter(pool=pool, state__in=COMMITTED_CLAIM_STATES)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.aggregate(s=Sum("compensation"))["s"] or ledger.ZERO


def available(pool, *, exclude=None) -> tuple[Decimal, Decimal, Decimal]:
    """(available, balance, committed): the pool's ledger balance less what approved claims await."""
    bal = ledger.balance(pool.account_id)
    com = committed(pool, exclude=exclude)
    return bal - com, bal, com


def collect(errors: dict, fn, *args, **kwargs):
    """Run a parser; its ServiceError's field messages go into ``errors`` (returns None then)."""
    from techfund.core.errors import ServiceError

    try:
        return fn(*args, **kwargs)
    except ServiceError as exc:
        for k, v in exc.errors.items():
            errors.setdefault(k, []).extend(v)
        return None


def parse_rate(value, *, field: str, label: str, errors: dict) -> Decimal | None:
    """An annual rate in percent, 0 < rate < 100, at most four places."""
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        ok = d.is_finite() and not isinstance(value, bool)
    except (InvalidOperation, ValueError):
        ok = False
    if not ok or value in (None, ""):
        errors.setdefault(field, []).append(
            _("%(label)s“%(v)s”不是有效的数字。") % {"label": label, "v": value}
        )
        return None
    if d <= 0 or d >= 100:
        errors.setdefault(field, []).append(_("%(label)s应大于0且小于100（单位：%%）。") % {"label": label})
        return None
    if d != d.quantize(Decimal("0.0001")):
        errors.setdefault(field, []).append(_("%(label)s最多保留四位小数。") % {"label": label})
        return None
    return d
