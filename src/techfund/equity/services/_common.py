"""Helpers shared by the equity services (not part of the public interface): the stake checks,
share arithmetic and formatting, and locking."""

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from django.db.models import Sum
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.services import ledger
from techfund.core.validation import raise_errors, text  # noqa: F401 - re-exported to this stage
from techfund.equity.enums import StageState
from techfund.equity.models import Investment, Stage
from techfund.funds.validation import fmt  # noqa: F401 - re-exported
from techfund.projects import accounts
from techfund.projects.services._common import lock_project, parse_date, today_or  # noqa: F401

SIX = Decimal("0.000001")
ONE = Decimal("1")
#: The other shareholders and the fund together may exceed 100 % by this much (rounding of the
#: declared six-place shares), never more.
CAP_TABLE_TOLERANCE = Decimal("0.000010")


def compute_share(amount: Decimal, post_money: Decimal) -> Decimal:
    """The fund's share = amount / post-money valuation, to 6 places, ROUND_HALF_UP."""
    return (amount / post_money).quantize(SIX, rounding=ROUND_HALF_UP)


def pct(share: Decimal) -> str:
    """A share as a percentage with 2 places (27.50%), or more when 2 would hide a difference (25.0001%)."""
    p = share * 100
    two = p.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if two == p:
        return f"{two:.2f}%"
    return f"{p.normalize():f}%"


def pct_limit(share: Decimal) -> str:
    """A limit from the policy without trailing zeros (25%)."""
    return f"{(share * 100).normalize():f}%"


def parse_share(value, *, field: str, label: str, errors: dict) -> Decimal | None:
    """A share as a fraction in (0, 1] with at most 6 places; problems go to ``errors``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.setdefault(field, []).append(_("请填写%(label)s。") % {"label": label})
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        d = None
    if d is None or isinstance(value, bool) or not d.is_finite():
        errors.setdefault(field, []).append(
            _("%(label)s“%(v)s”不是有效的数字。") % {"label": label, "v": value}
        )
        return None
    if d <= 0 or d > 1:
        errors.setdefault(field, []).append(
            _("%(label)s须大于 0 且不超过 1（例如 0.3 表示 30%%），收到 %(v)s。")
            % {"label": label, "v": value}
        )
        return None
    if d != d.quantize(SIX):
        errors.setdefault(field, []).append(_("%(label)s最多保留6位小数。") % {"label": label})
        return None
    return d.quantize(SIX)


def parse_cap_table(rows, *, errors: dict, field: str = "cap_table") -> list[tuple[str, Decimal]]:
    """``[{"name": …, "share": "0.300000"}, …]`` → ``[(name, share)]``; every problem to ``errors``."""
    out: list[tuple[str, Decimal]] = []
    if not rows:
        errors.setdefault(field, []).append(_("请填写投资后被投资企业的其他股东及持股比例。"))
        return out
    seen = set()
    for i, row in enumerate(rows, start=1):
        row = row if isinstance(row, dict) else {}
        name = text(
            row.get("name"),
            field=f"{field}.{i}.name",
            label=_("第%(i)d位股东名称") % {"i": i},
            max_length=200,
            required=True,
            errors=errors,
        )
        share = parse_share(
            row.get("share"),
            field=f"{field}.{i}.share",
            label=_("第%(i)d位股东持股比例") % {"i": i},
            errors=errors,
        )
        if name and name in seen:
            errors.setdefault(f"{field}.{i}.name", []).append(_("股东“%(n)s”重复填写。") % {"n": name})
        seen.add(name)
        if name and share is not None:
            out.append((name, share))
    return out


@dataclass(frozen=True)
class StakeCheck:
    share: Decimal
    largest_name: str
    largest_share: Decimal
    reasons: list

    @property
    def ok(self) -> bool:
        return not self.reasons


def check_stake(profile, share: Decimal, others: list[tuple[str, Decimal]]) -> StakeCheck:
    """The policy's limits on the fund's stake: at most ``equity.max_share``; when
    ``equity.never_largest_shareholder``, strictly below the largest other shareholder (equal counts as
    largest). Returns every reason the stake breaks them (empty when it is allowed)."""
    reasons = []
    max_share = Decimal(str(profile.rule("equity.max_share")))
    if share > max_share:
        reasons.append(
            _("持股比例 %(share)s 超过上限 %(max)s。") % {"share": pct(share), "max": pct_limit(max_share)}
        )
    largest_name, largest = "", Decimal("0")
    for name, s in others:
        if s > largest:
            largest_name, largest = name, s
    if profile.rule("equity.never_largest_shareholder", False) and share >= largest:
        if share == largest:
            msg = _(
                "持股比例 %(share)s 与最大股东“%(name)s”（%(largest)s）相同，持股相同也视为第一大股东，不符合“不做第一大股东”的规定。"
            )
        else:
            msg = _(
                "持股比例 %(share)s 超过最大的其他股东“%(name)s”（%(largest)s），将成为第一大股东，不符合“不做第一大股东”的规定。"
            )
        reasons.append(
            msg % {"share": pct(share), "name": largest_name or _("（无）"), "largest": pct(largest)}
        )
    return StakeCheck(share=share, largest_name=largest_name, largest_share=largest, reasons=reasons)


def max_allowed_amount(profile, post_money: Decimal, others: list[tuple[str, Decimal]]) -> Decimal:
    """The largest amount (to the fen) whose share at ``post_money`` passes ``check_stake``: at most
    ``max_share`` exactly, and — when the fund may never be the largest shareholder — a share that
    stays below the largest other one even after rounding to 6 places (below largest − 0.0000005)."""
    cap = (Decimal(str(profile.rule("equity.max_share"))) * post_money).quantize(
        ledger.CENT, rounding=ROUND_DOWN
    )
    if profile.rule("equity.never_largest_shareholder", False):
        largest = max((s for _n, s in others), default=Decimal("0"))
        bound = (largest - SIX / 2) * post_money
        below = bound.quantize(ledger.CENT, rounding=ROUND_DOWN)
        if below == bound:
            below -= ledger.CENT
        cap = min(cap, below)
    best = max(cap, ledger.ZERO)
    while best > 0 and not check_stake(profile, compute_share(best, post_money), others).ok:
        best -= ledger.CENT  # never more than a step or two
    return best


def check_cap_total(
    share: Decimal, others: list[tuple[str, Decimal]], errors: dict, field="cap_table"
) -> None:
    total = share + sum((s for _n, s in others), Decimal("0"))
    if total > ONE + CAP_TABLE_TOLERANCE:
        errors.setdefault(field, []).append(
            _("其他股东持股合计 %(others)s 加本次持股 %(share)s 超过 100%%。")
            % {"others": pct(total - share), "share": pct(share)}
        )


def lock_investment(investment) -> Investment:
    """Lock the project first (as every money service does), then the investment."""
    project = lock_project(Investment.objects.get(pk=investment.pk).project)
    inv = Investment.objects.select_for_update().get(pk=investment.pk)
    inv.project = project
    return inv


def held(investment) -> Decimal:
    """The money of the investment still held (the project's disbursed balance)."""
    return ledger.balance(accounts.disbursed_account(investment.project))


def paid_total(investment) -> Decimal:
    return (
        Stage.objects.filter(investment=investment, state=StageState.PAID).aggregate(s=Sum("amount"))["s"]
        or ledger.ZERO
    )


def pending_total(investment) -> Decimal:
    """What the treasury has been instructed to pay on the investment's stages and has not confirmed."""
    try:
        from techfund.treasury.services import pending_amount
    except ImportError:  # the treasury stage is not installed yet
        return ledger.ZERO
    return sum(
        (pending_amount(s) for s in Stage.objects.filter(investment=investment, state=StageState.PLANNED)),
        ledger.ZERO,
    )


def cancel_planned_stages(investment) -> list[int]:
    """Planned stages are not paid any more once the investment converts, is written off or exits."""
    ids = list(
        Stage.objects.filter(investment=investment, state=StageState.PLANNED).values_list("seq", flat=True)
    )
    Stage.objects.filter(investment=investment, state=StageState.PLANNED).update(state=StageState.CANCELLED)
    return ids


def refuse_pending(investment) -> None:
    pending = pending_total(investment)
    if pending > 0:
        raise ServiceError(
            _("投资 %(number)s 有 %(amount)s 元支付指令待国库确认，确认或退回前不能办理。")
            % {"number": investment.number, "amount": fmt(pending)},
            code="payment_pending",
        )
