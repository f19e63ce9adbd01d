"""资金到位率 and 预算执行率 (RULES.md, [R]) per project, department and focus area.

- **arrived** (到位资金): money paid to the implementing unit, per the ledger — everything posted into
  the project's ``disbursed`` account (``projects.accounts.project_balances(...)["paid"]``); with an
  as-of date, the payments whose value date (the payment's ``paid_on``, else the posting date) is on
  or before it;
- **planned** two ways: the contract amount (任务书财政资金; the arranged amount before a contract
  exists), and the tranches due by the as-of date (计划应拨: tranches with a due date on or before it);
- **spent** (实际支出): the unit's fiscal spending recorded up to the as-of date (支出登记);
- 资金到位率 = arrived ÷ contract amount; 应拨到位率 = arrived ÷ due; 预算执行率 = spent ÷ arrived.

Rates are percentages rounded ROUND_HALF_UP to 0.01 %, ``None`` when the denominator is zero. A group's
rate is computed from the group's sums (not the mean of its projects' rates).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DateField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate

from techfund.budgets.enums import Funding
from techfund.budgets.models import Expenditure
from techfund.core.models import Account, Posting
from techfund.core.services import ledger
from techfund.projects.accounts import disbursed_code, project_balances
from techfund.projects.models import Payment, Tranche

ZERO = ledger.ZERO
HUNDREDTH = Decimal("0.01")
GROUPS = ("project", "department", "area")


def rate(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part ÷ whole`` as a percentage, ROUND_HALF_UP to 0.01; ``None`` when ``whole`` is zero."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass
class Row:
    key: object
    label: str
    planned: Decimal = ZERO
    due: Decimal = ZERO
    arrived: Decimal = ZERO
    spent: Decimal = ZERO
    self_spent: Decimal = ZERO
    projects: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def arrival_rate(self) -> Decimal | None:
        return rate(self.arrived, self.planned)

    @property
    def due_arrival_rate(self) -> Decimal | None:
        return rate(self.arrived, self.due)

    @property
    def execution_rate(self) -> Decimal | None:
        return rate(self.spent, self.arrived)

    def add(self, other: "Row") -> None:
        self.planned += other.planned
        self.due += other.due
        self.arrived += other.arrived
        self.spent += other.spent
        self.self_spent += other.self_spent
        self.projects += other.projects

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "projects": self.projects,
            "planned": self.planned,
            "due": self.due,
            "arrived": self.arrived,
            "spent": self.spent,
            "self_spent": self.self_spent,
            "arrival_rate": self.arrival_rate,
            "due_arrival_rate": self.due_arrival_rate,
            "execution_rate": self.execution_rate,
            **self.extra,
        }


def _arrived_as_of(projects, as_of: dt.date) -> dict[int, Decimal]:
    codes = {disbursed_code(p): p.pk for p in projects}
    accts = dict(Account.objects.filter(code__in=list(codes)).values_list("pk", "code"))
    paid_on = Payment.objects.filter(entry_id=OuterRef("entry_id")).values("paid_on")[:1]
    rows = (
        Posting.objects.filter(account_id__in=list(accts), amount__gt=0)
        .annotate(
            value_date=Coalesce(
                Subquery(paid_on, output_field=DateField()),
                TruncDate("entry__posted_at"),
                output_field=DateField(),
            )
        )
        .filter(value_date__lte=as_of)
        .values("account_id")
        .annotate(s=Sum("amount"))
    )
    out = {p.pk: ZERO for p in projects}
    for r in rows:
        out[codes[accts[r["account_id"]]]] = r["s"]
    return out


def project_rows(projects, *, as_of: dt.date | None = None, today: dt.date | None = None) -> list[Row]:
    """One row per project (projects with ``contract``, ``department``, ``focus_area`` selected).
    ``as_of=None``: everything recorded so far (tranches due by ``today``)."""
    projects = list(projects)
    if not projects:
        return []
    ids = [p.pk for p in projects]
    cutoff = as_of or today or dt.date.today()
    if as_of is None:
        arrived = {pk: b["paid"] for pk, b in project_balances(projects).items()}
    else:
        arrived = _arrived_as_of(projects, as_of)
    due = dict(
        Tranche.objects.filter(contract__project_id__in=ids, due_date__lte=cutoff)
        .values("contract__project_id")
        .annotate(s=Sum("amount"))
        .values_list("contract__project_id", "s")
    )
    spent_qs = Expenditure.objects.filter(project_id__in=ids)
    if as_of is not None:
        spent_qs = spent_qs.filter(spent_on__lte=as_of)
    spent = {}
    for r in spent_qs.values("project_id").annotate(
        fiscal=Sum("amount", filter=Q(funding=Funding.FISCAL)),
        own=Sum("amount", filter=Q(funding=Funding.SELF_RAISED)),
    ):
        spent[r["project_id"]] = (r["fiscal"] or ZERO, r["own"] or ZERO)
    rows = []
    for p in projects:
        contract = getattr(p, "contract", None)
        fiscal, own = spent.get(p.pk, (ZERO, ZERO))
        rows.append(
            Row(
                key=p.pk,
                label=f"{p.number} {p.title}",
                planned=contract.amount if contract is not None else p.amount,
                due=due.get(p.pk) or ZERO,
                arrived=arrived.get(p.pk, ZERO),
                spent=fiscal,
                self_spent=own,
                projects=1,
                extra={
                    "number": p.number,
                    "title": p.title,
                    "department": p.department.name,
                    "area": p.focus_area.name,
                    "organisation": p.organisation.name,
                    "emergency": p.emergency,
                },
            )
        )
    return rows


def group_rows(projects, rows: list[Row], by: str) -> list[Row]:
    """Rows summed by ``department`` or ``area`` (focus area), in the order first met."""
    if by == "project":
        return rows
    by_pk = {p.pk: p for p in projects}
    out: dict[object, Row] = {}
    for r in rows:
        p = by_pk[r.key]
        owner = p.department if by == "department" else p.focus_area
        g = out.setdefault(owner.pk, Row(key=owner.pk, label=owner.name))
        g.add(r)
    return list(out.values())


def total_row(rows: list[Row], label: str) -> Row:
    t = Row(key=None, label=label)
    for r in rows:
        t.add(r)
    return t
