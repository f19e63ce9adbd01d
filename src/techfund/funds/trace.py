"""每一元资金可追溯到来源: commitments, payments and returns by source (issue 6, item 3).

The fund pools every source's contribution (``Contribution``: source type, department, level
municipal / provincial / central) into ``fund:{year}:pool``. After pooling the money is fungible — the
ledger cannot say whose yuan paid a project — so this report **attributes** every flow to the sources
**in proportion to the year's contributions** (按来源出资比例归集):

- a source is (source type, contributing department, level); its weight is the sum of its recorded
  contributions of the year, voided ones excluded (contributions are not earmarked to focus areas in
  the data model, so the whole year's weights apply to every area);
- each flow row (one project's or one risk-compensation account's commitment, payment, recovery or
  release) of amount *A* is split as *A × wᵢ / W*, rounded **down** to the fen, and the fens left over go
  one each to the sources with the largest remainders (ties: the source listed first — by level,
  source type, department) — the **largest-remainder method**. So each row's parts add up exactly to the
  row, every source's total is the exact sum of its parts, and every cut's totals equal the ledger's.

Flows, from the ledger accounts of the year:

- projects (grant, equity, interest subsidy, post-award — every per-project mode): ``commitment:{n}``
  inflows are **committed** (arranged), ``disbursed:{n}`` inflows are **paid**, ``disbursed:{n}`` outflows
  are **returned** (recoveries, equity exits' principal back) except what moved to
  ``written_off:{n}``, which is **written off** (a failed 先投后股, an exit's loss); commitment outflows
  other than payments are **released** (terminations, post-award balances);
- risk compensation (accounts of kind ``risk_pool`` / ``compensated``): money put into a pool is
  committed, money compensated to a bank is paid, a bank's later recoveries are returned, and what
  leaves a pool otherwise is released. Its focus area and department are the pool's (``RiskPool``).

Cuts: by source × focus area, × managing department of the project, × support mode. The reconciliation
compares each cut's totals with the ledger's own sums by account kind, and the contributions with the
source accounts (``fund:{year}:source:…``, which run negative by design).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.core.audit_actions import register_actions
from techfund.core.enums import AccountKind, Level, Role
from techfund.core.models import Account, Posting
from techfund.core.permissions import define
from techfund.core.predicates import is_fund_reader
from techfund.funds.enums import ContributionState
from techfund.funds.models import Contribution
from techfund.policy.enums import SupportMode
from techfund.policy.models import FocusArea

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MEASURES = ("committed", "paid", "returned", "written_off", "released")
MEASURE_LABELS = {
    "committed": gettext_lazy("安排（承诺）"),
    "paid": gettext_lazy("拨付"),
    "returned": gettext_lazy("追回、退回"),
    "written_off": gettext_lazy("核销"),
    "released": gettext_lazy("释放"),
}
CUTS = {
    "focus_area": gettext_lazy("按重点领域"),
    "department": gettext_lazy("按主管部门"),
    "support_mode": gettext_lazy("按支持方式"),
}
RULE_TEXT = gettext_lazy(
    "按来源出资比例归集：资金入池后统筹使用，每笔安排、拨付、追回、核销和释放按当年各来源（资金类别、来源部门、级次）"
    "已入池金额（不含冲销）的比例分摊到来源，先按比例向下取整到分，余下的分按余数从大到小逐一补给各来源"
    "（最大余数法），因此每一笔的分摊之和等于该笔金额，各来源合计与账簿一致。"
)
LEVEL_ORDER = {v: i for i, v in enumerate(Level.values)}
RISK_KINDS = (AccountKind.RISK_POOL, AccountKind.COMPENSATED)

register_actions({"funds.trace.exported": gettext_lazy("导出资金来源追溯表")})

# 资金来源追溯: the fund's readers (office, finance, leading group, auditor). A department officer sees
# the fund year but not this report (403); others do not see the fund at all (404).
define(
    "funds.view_trace",
    (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR),
    is_fund_reader,
)


# ---------------------------------------------------------------- attribution


def attribute(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights`` to the fen by the largest-remainder method: the
    parts sum exactly to ``amount`` (negative amounts are split as their absolute value, negated)."""
    amount = Decimal(amount).quantize(CENT)
    if not weights:
        return []
    total = sum(weights, Decimal(0))
    if total <= 0:
        raise ValueError("weights must add up to more than zero")
    if amount < 0:
        return [-p for p in attribute(-amount, weights)]
    fens = int((amount / CENT).to_integral_value())
    exact = [Decimal(fens) * w / total for w in weights]
    floors = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
    left = fens - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [(Decimal(f) * CENT).quantize(CENT) for f in floors]


# ---------------------------------------------------------------- the sources


@dataclass(frozen=True)
class Source:
    source_type_id: int
    department_id: int
    level: str
    name: str
    department: str
    weight: Decimal

    @property
    def key(self) -> tuple:
        return (self.source_type_id, self.department_id, self.level)

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label)


def sources(fund_year) -> list[Source]:
    rows = (
        Contribution.objects.filter(fund_year=fund_year, state=ContributionState.RECORDED)
        .values(
            "source_type_id",
            "source_type__code",
            "source_type__name",
            "department_id",
            "department__name",
            "level",
        )
        .annotate(total=Sum("amount"))
    )
    out = [
        Source(
            source_type_id=r["source_type_id"],
            department_id=r["department_id"],
            level=r["level"],
            name=r["source_type__name"],
            department=r["department__name"],
            weight=r["total"],
        )
        for r in rows
        if r["total"] and r["total"] > 0
    ]
    codes = {r["source_type_id"]: r["source_type__code"] for r in rows}
    out.sort(
        key=lambda s: (LEVEL_ORDER.get(s.level, 9), codes[s.source_type_id], s.department, s.department_id)
    )
    return out


# ---------------------------------------------------------------- the flows


@dataclass
class Flow:
    """One row of money: a project's (or a risk pool's) amounts by measure, with its dimensions."""

    label: str
    focus_area: str
    department: str
    support_mode: str
    amounts: dict = field(default_factory=lambda: dict.fromkeys(MEASURES, ZERO))


def _project_flows(year: int) -> list[Flow]:
    from techfund.projects.models import Project

    accts = {
        a["code"]: a
        for a in Account.objects.filter(
            year=year, kind__in=[AccountKind.COMMITMENT, AccountKind.DISBURSED, AccountKind.WRITTEN_OFF]
        ).values("id", "code", "kind")
    }
    sums = {
        r["account_id"]: r
        for r in Posting.objects.filter(account_id__in=[a["id"] for a in accts.values()])
        .values("account_id")
        .annotate(inflow=Sum("amount", filter=Q(amount__gt=0)), outflow=Sum("amount", filter=Q(amount__lt=0)))
    }
    by_number: dict = defaultdict(dict)
    for code, a in accts.items():
        number = code.rsplit(":", 1)[-1]
        r = sums.get(a["id"], {})
        by_number[number][a["kind"]] = ((r.get("inflow") or ZERO), -(r.get("outflow") or ZERO))
    projects = {
        p.number: p
        for p in Project.objects.filter(number__in=list(by_number)).select_related("focus_area", "department")
    }
    flows = []
    for number in sorted(by_number):
        c_in, c_out = by_number[number].get(AccountKind.COMMITMENT, (ZERO, ZERO))
        d_in, d_out = by_number[number].get(AccountKind.DISBURSED, (ZERO, ZERO))
        w_in, _w_out = by_number[number].get(AccountKind.WRITTEN_OFF, (ZERO, ZERO))
        p = projects.get(number)
        f = Flow(
            label=f"{number} {p.title}" if p else number,
            focus_area=p.focus_area.name if p else "—",
            department=p.department.name if p else "—",
            support_mode=p.support_mode if p else "",
        )
        f.amounts = {
            "committed": c_in.quantize(CENT),
            "paid": d_in.quantize(CENT),
            "returned": (d_out - w_in).quantize(CENT),
            "written_off": w_in.quantize(CENT),
            "released": (c_out - d_in).quantize(CENT),
        }
        flows.append(f)
    return flows


def _area_of(code: str, areas: dict) -> str | None:
    parts = code.split(":")
    if len(parts) == 4 and parts[2] in ("area", "reserved"):
        return areas.get(parts[3], parts[3])
    return None


def _risk_dimensions(fund_year) -> dict:
    """``{account id: (label, focus area, department)}`` of the year's risk pools (both accounts)."""
    from techfund.riskpool.models import RiskPool

    out = {}
    for pool in RiskPool.objects.filter(fund_year=fund_year).select_related(
        "bank", "focus_area", "department"
    ):
        dims = (str(pool.bank), pool.focus_area.name, pool.department.name)
        out[pool.account_id] = out[pool.paid_account_id] = dims
    return out


def _risk_flows(fund_year) -> list[Flow]:
    year = fund_year.year
    risk = dict(Account.objects.filter(year=year, kind__in=RISK_KINDS).values_list("id", "kind"))
    if not risk:
        return []
    names = dict(Account.objects.filter(pk__in=list(risk)).values_list("id", "name"))
    dims = _risk_dimensions(fund_year)
    areas = dict(FocusArea.objects.filter(profile=fund_year.profile).values_list("code", "name"))
    entries = Posting.objects.filter(account_id__in=list(risk)).values_list("entry_id", flat=True)
    postings = list(
        Posting.objects.filter(entry_id__in=entries).values_list(
            "entry_id", "account_id", "account__kind", "account__code", "amount"
        )
    )
    by_entry = defaultdict(list)
    for p in postings:
        by_entry[p[0]].append(p)
    flows: dict = {}
    for lines in by_entry.values():
        for _e, account_id, kind, _code, amount in lines:
            if account_id not in risk:
                continue
            others = [ln for ln in lines if ln[1] != account_id]
            other_kinds = {ln[2] for ln in others}
            label, area, department = dims.get(account_id, (names[account_id], None, "—"))
            if area is None:  # a pool this app does not know: the area whose account funded it
                area = next((a for a in (_area_of(ln[3], areas) for ln in others) if a), "—")
            key = (label, area, department)
            f = flows.get(key)
            if f is None:
                f = flows[key] = Flow(
                    label=label,
                    focus_area=area,
                    department=department,
                    support_mode=SupportMode.RISK_COMPENSATION,
                )
            amt = Decimal(amount)
            internal = bool(other_kinds & set(RISK_KINDS))
            if kind == AccountKind.RISK_POOL:
                if amt > 0 and not internal:
                    f.amounts["committed"] += amt
                elif amt < 0 and not internal:
                    f.amounts["released"] += -amt
            elif kind == AccountKind.COMPENSATED:
                if amt > 0:
                    f.amounts["paid"] += amt
                else:
                    f.amounts["returned"] += -amt
    return [flows[k] for k in sorted(flows)]


def ledger_totals(year: int) -> dict:
    """The ledger's own sums, by account kind, that every cut must equal."""

    def s(kind, positive: bool):
        q = Posting.objects.filter(account__year=year, account__kind=kind)
        q = q.filter(amount__gt=0) if positive else q.filter(amount__lt=0)
        return (q.aggregate(v=Sum("amount"))["v"] or ZERO).quantize(CENT)

    c_in, c_out = s(AccountKind.COMMITMENT, True), -s(AccountKind.COMMITMENT, False)
    d_in, d_out = s(AccountKind.DISBURSED, True), -s(AccountKind.DISBURSED, False)
    w_in = s(AccountKind.WRITTEN_OFF, True)
    compensated_entries = Posting.objects.filter(account__kind=AccountKind.COMPENSATED).values("entry_id")
    internal = Posting.objects.filter(
        account__year=year, account__kind=AccountKind.RISK_POOL, entry_id__in=compensated_entries
    )
    r_in_all, r_out_all = s(AccountKind.RISK_POOL, True), -s(AccountKind.RISK_POOL, False)
    r_in_internal = (internal.filter(amount__gt=0).aggregate(v=Sum("amount"))["v"] or ZERO).quantize(CENT)
    r_out_internal = -(internal.filter(amount__lt=0).aggregate(v=Sum("amount"))["v"] or ZERO).quantize(CENT)
    k_in, k_out = s(AccountKind.COMPENSATED, True), -s(AccountKind.COMPENSATED, False)
    return {
        "committed": c_in + r_in_all - r_in_internal,
        "paid": d_in + k_in,
        "returned": d_out - w_in + k_out,
        "written_off": w_in,
        "released": (c_out - d_in) + (r_out_all - r_out_internal),
    }


# ---------------------------------------------------------------- the report


@dataclass
class Cut:
    code: str
    label: str
    #: {(source key, value): {measure: amount}}
    cells: dict
    values: list
    by_value: dict
    by_source: dict
    totals: dict
    sources: list = field(default_factory=list)

    def rows(self) -> list[dict]:
        """``[{source, value, committed, paid, returned, written_off, released}]``, by source then value, zero rows left out."""
        out = []
        for src in self.sources:
            for v in self.values:
                cell = self.cells.get((src.key, v))
                if cell and any(cell[m] for m in MEASURES):
                    out.append({"source": src, "value": v, **cell})
        return out

    def value_rows(self) -> list[dict]:
        return [{"value": v, **self.by_value[v]} for v in self.values]


@dataclass
class Report:
    fund_year: object
    sources: list[Source]
    flows: list[Flow]
    contributed: Decimal
    source_balance: Decimal
    by_source: dict
    cuts: list[Cut]
    totals: dict
    ledger: dict
    rule: str

    def source_rows(self) -> list[dict]:
        return [{"source": s, **self.by_source[s.key]} for s in self.sources]

    @property
    def reconciled(self) -> bool:
        return all(c["ok"] for c in self.checks())

    @property
    def attributed(self) -> dict:
        """What the sources were given, by measure (equals ``totals`` whenever there are sources)."""
        return {m: sum((v[m] for v in self.by_source.values()), ZERO) for m in MEASURES}

    def checks(self) -> list[dict]:
        out = [
            {
                "label": _("各来源入池合计 = 来源科目余额（取负）"),
                "left": self.contributed,
                "right": -self.source_balance,
                "ok": self.contributed == -self.source_balance,
            }
        ]
        attributed = self.attributed
        for m in MEASURES:
            out.append(
                {
                    "label": _("各来源分摊合计 = 账簿合计 · %(m)s") % {"m": MEASURE_LABELS[m]},
                    "left": attributed[m],
                    "right": self.ledger[m],
                    "ok": attributed[m] == self.ledger[m],
                }
            )
        for c in self.cuts:
            for m in MEASURES:
                out.append(
                    {
                        "label": f"{c.label} · {MEASURE_LABELS[m]}",
                        "left": c.totals[m],
                        "right": self.ledger[m],
                        "ok": c.totals[m] == self.ledger[m],
                    }
                )
        return out


def _mode_label(code: str) -> str:
    try:
        return str(SupportMode(code).label)
    except ValueError:
        return code or "—"


def report(fund_year) -> Report:
    """The year's flows attributed to its sources, cut three ways, with the ledger's totals."""
    year = fund_year.year
    srcs = sources(fund_year)
    flows = _project_flows(year)
    flows += _risk_flows(fund_year)
    weights = [s.weight for s in srcs]
    zero = dict.fromkeys(MEASURES, ZERO)
    parts: list[list[dict]] = []
    for f in flows:
        split = {m: attribute(f.amounts[m], weights) if srcs else [] for m in MEASURES}
        parts.append([{m: split[m][i] for m in MEASURES} for i in range(len(srcs))])
    by_source = {s.key: dict(zero) for s in srcs}
    for row in parts:
        for s, p in zip(srcs, row, strict=True):
            for m in MEASURES:
                by_source[s.key][m] += p[m]
    cuts = []
    for code, label in CUTS.items():
        cells: dict = defaultdict(lambda: dict(zero))
        by_value: dict = defaultdict(lambda: dict(zero))
        for f, row in zip(flows, parts, strict=True):
            value = getattr(f, code)
            if code == "support_mode":
                value = _mode_label(value)
            for m in MEASURES:
                by_value[value][m] += f.amounts[m]
            for s, p in zip(srcs, row, strict=True):
                for m in MEASURES:
                    cells[(s.key, value)][m] += p[m]
        totals = {m: sum((v[m] for v in by_value.values()), ZERO) for m in MEASURES}
        cuts.append(
            Cut(
                code=code,
                label=str(label),
                cells=dict(cells),
                values=sorted(by_value),
                by_value=dict(by_value),
                by_source=by_source,
                totals=totals,
                sources=srcs,
            )
        )
    totals = {m: sum((f.amounts[m] for f in flows), ZERO) for m in MEASURES}
    source_accounts = Account.objects.filter(year=year, kind=AccountKind.SOURCE)
    source_balance = (
        Posting.objects.filter(account__in=source_accounts).aggregate(v=Sum("amount"))["v"] or ZERO
    ).quantize(CENT)
    return Report(
        fund_year=fund_year,
        sources=srcs,
        flows=flows,
        contributed=sum(weights, ZERO),
        source_balance=source_balance,
        by_source=by_source,
        cuts=cuts,
        totals=totals,
        ledger=ledger_totals(year),
        rule=str(RULE_TEXT),
    )
