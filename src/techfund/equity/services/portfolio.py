"""The portfolio (投资组合): every holding with its money, the totals, and the year's pilot share
(拨改投试点比例), plus the Excel export.

For each investment, from its records and the ledger:
invested (stages paid) = held (disbursed balance) + returned principal + written off, where written
off = the write-off's amount + the exits' losses; proceeds = principal + gain; multiple = proceeds /
invested (2 places, ROUND_HALF_UP) once exited or written off.

**Pilot share** — the policy's 拨改投试点比例 (the year's approved framework's ``equity_pilot_share``,
else the profile's) is a *target*, not a cap: the seeds say "安排一定比例实施股权投资改革试点". So it is
never a refusal (projects are arranged by finance in the decisions/projects stages, item by item, and
refusing one there would block the rest of the list). The portfolio page shows the share of the year's
fund (recorded contributions) arranged as equity projects against the target and says whether it is
below, at, or above it — a warning the office and the leading group act on in the next batch.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from techfund.core.services import ledger
from techfund.equity.enums import InvestmentState, StageState, StepState
from techfund.equity.models import Exit, Investment, Stage, WriteOff
from techfund.equity.services._common import fmt, pct
from techfund.funds.enums import ContributionState, FrameworkState
from techfund.funds.models import Contribution, Framework
from techfund.policy.enums import SupportMode
from techfund.projects import accounts
from techfund.projects.models import Project

ZERO = ledger.ZERO
RELATED = ("project__organisation", "project__fund_year", "project__department", "conversion")


@dataclass
class Holding:
    investment: Investment
    committed: Decimal
    invested: Decimal
    held: Decimal
    returned: Decimal
    gain: Decimal
    loss: Decimal
    written_off: Decimal
    proceeds: Decimal

    @property
    def multiple(self) -> Decimal | None:
        """Proceeds / invested once the holding is closed (exited or written off); else None."""
        if (
            self.investment.state not in (InvestmentState.EXITED, InvestmentState.WRITTEN_OFF)
            or not self.invested
        ):
            return None
        return (self.proceeds / self.invested).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def reconciles(self) -> bool:
        return self.invested == self.held + self.returned + self.written_off


@dataclass
class Totals:
    committed: Decimal = ZERO
    invested: Decimal = ZERO
    held: Decimal = ZERO
    returned: Decimal = ZERO
    gain: Decimal = ZERO
    loss: Decimal = ZERO
    written_off: Decimal = ZERO
    proceeds: Decimal = ZERO
    count: int = 0
    by_state: dict = field(default_factory=dict)


def holdings(investments) -> tuple[list[Holding], Totals]:
    """Holdings of ``investments`` (a queryset) and their totals, in a fixed number of queries."""
    invs = list(investments.select_related(*RELATED))
    ids = [i.pk for i in invs]
    paid = dict(
        Stage.objects.filter(investment_id__in=ids, state=StageState.PAID)
        .values("investment_id")
        .annotate(s=Sum("amount"))
        .values_list("investment_id", "s")
    )
    exits = {
        r["investment_id"]: r
        for r in Exit.objects.filter(investment_id__in=ids, state=StepState.CONFIRMED)
        .values("investment_id")
        .annotate(p=Sum("principal"), g=Sum("gain"), lo=Sum("loss"), pr=Sum("proceeds"))
    }
    wos = dict(
        WriteOff.objects.filter(investment_id__in=ids, state=StepState.CONFIRMED)
        .values("investment_id")
        .annotate(s=Sum("amount"))
        .values_list("investment_id", "s")
    )
    balances = accounts.project_balances([i.project for i in invs])
    out, totals = [], Totals()
    for inv in invs:
        e = exits.get(inv.pk, {})
        loss = e.get("lo") or ZERO
        h = Holding(
            investment=inv,
            committed=inv.amount,
            invested=paid.get(inv.pk) or ZERO,
            held=balances[inv.project_id]["disbursed"],
            returned=e.get("p") or ZERO,
            gain=e.get("g") or ZERO,
            loss=loss,
            written_off=(wos.get(inv.pk) or ZERO) + loss,
            proceeds=e.get("pr") or ZERO,
        )
        out.append(h)
        for name in ("committed", "invested", "held", "returned", "gain", "loss", "written_off", "proceeds"):
            setattr(totals, name, getattr(totals, name) + getattr(h, name))
        totals.count += 1
        totals.by_state[inv.state] = totals.by_state.get(inv.state, 0) + 1
    return out, totals


@dataclass(frozen=True)
class PilotShare:
    year: int
    target: Decimal | None
    fund_total: Decimal
    arranged: Decimal
    share: Decimal | None
    #: "none" (no target), "empty" (no money yet), "below", "reached", "above"
    status: str
    message: str


def pilot_share(fund_year) -> PilotShare:
    """The share of the year's fund arranged as equity projects, against the pilot share (a target)."""
    approved = (
        Framework.objects.filter(fund_year=fund_year, state=FrameworkState.APPROVED)
        .order_by("-number")
        .first()
    )
    target = approved.equity_pilot_share if approved is not None else fund_year.profile.equity_pilot_share
    if target is not None and target <= 0:
        target = None
    total = (
        Contribution.objects.filter(fund_year=fund_year, state=ContributionState.RECORDED).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    arranged = (
        Project.objects.filter(fund_year=fund_year, support_mode=SupportMode.EQUITY).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    share = (arranged / total).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP) if total else None
    ctx = {"year": fund_year.year, "arranged": fmt(arranged), "total": fmt(total)}
    if share is not None:
        ctx["share"] = pct(share)
    if target is not None:
        ctx["target"] = pct(target)
        ctx["goal"] = fmt((total * target).quantize(ledger.CENT, rounding=ROUND_HALF_UP))
    if target is None:
        status = "none"
        msg = _("本年度政策未设定股权投资试点比例。")
        if share is not None:
            msg += _("已安排股权投资 %(arranged)s 元，占年度资金 %(total)s 元的 %(share)s。") % ctx
    elif share is None:
        status, msg = "empty", _("%(year)s 年度资金尚未入池，试点比例 %(target)s 暂无法计算。") % ctx
    elif share < target:
        status = "below"
        msg = (
            _(
                "已安排股权投资 %(arranged)s 元，占年度资金 %(total)s 元的 %(share)s，低于试点比例 %(target)s（应安排约 %(goal)s 元）：请在后续批次中安排。"
            )
            % ctx
        )
    elif share == target:
        status = "reached"
        msg = (
            _(
                "已安排股权投资 %(arranged)s 元，占年度资金 %(total)s 元的 %(share)s，达到试点比例 %(target)s。"
            )
            % ctx
        )
    else:
        status = "above"
        msg = (
            _(
                "已安排股权投资 %(arranged)s 元，占年度资金 %(total)s 元的 %(share)s，超过试点比例 %(target)s（约 %(goal)s 元），请领导小组知悉。"
            )
            % ctx
        )
    return PilotShare(
        year=fund_year.year,
        target=target,
        fund_total=total,
        arranged=arranged,
        share=share,
        status=status,
        message=msg,
    )
