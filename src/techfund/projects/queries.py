"""Read helpers of the project stage, shared by the pages, the API, the Excel export and the home
page. They only read; the services change data.

- ``filter_projects(qs, …)``   the project list's filters (year, focus area, department, state,
                                一事一议, number or title);
- ``with_balances(projects)``  each project with its arranged / paid / unpaid … amounts from the
                                ledger (``accounts.project_balances``: two queries for any number);
- ``tranche_rows(contract)``   the payment plan with what was paid, what remains and what is overdue;
- ``awaiting_arrangement(user, fund_year)`` the final items whose budget is not yet arranged.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from techfund.core.services import ledger
from techfund.decisions.enums import ItemState
from techfund.decisions.scopes import visible_items
from techfund.projects.accounts import project_balances
from techfund.projects.enums import ContractState, ProjectState
from techfund.projects.models import Payment, Project, Tranche

#: What the list's ``emergency`` filter accepts: "1" only 一事一议 projects, "0" only the others.
EMERGENCY_VALUES = ("1", "0")
Q_MAX = 100


def list_queryset(qs: QuerySet[Project]) -> QuerySet[Project]:
    """A project queryset with what the list pages show joined in (no query per row)."""
    return qs.select_related("fund_year", "focus_area", "department", "organisation", "contract")


def filter_projects(
    qs: QuerySet[Project],
    *,
    year=None,
    focus_area: str = "",
    department: str = "",
    state: str = "",
    emergency: str = "",
    q: str = "",
) -> QuerySet[Project]:
    """Narrow ``qs`` by the list's filters; a malformed or unknown value is ignored (no filter)."""
    if year not in (None, "") and str(year).isdigit():
        qs = qs.filter(fund_year__year=int(year))
    if focus_area:
        qs = qs.filter(focus_area__code=focus_area)
    if department:
        qs = qs.filter(department__code=department)
    if state in ProjectState.values:
        qs = qs.filter(state=state)
    if emergency in EMERGENCY_VALUES:
        qs = qs.filter(emergency=emergency == "1")
    q = (q or "").strip()[:Q_MAX]
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q))
    return qs


def with_balances(projects) -> list[Project]:
    """The projects as a list, each with ``balance`` (``accounts.project_balances``' figures) and the
    ``arranged`` amount; two queries however many projects."""
    projects = list(projects)
    balances = project_balances(projects)
    for p in projects:
        p.balance = balances[p.pk]
        p.arranged = p.amount
        p.paid = p.balance["paid"]
        p.unpaid = p.balance["unpaid"]
    return projects


def totals(projects) -> dict[str, Decimal]:
    return {
        "arranged": sum((p.amount for p in projects), ledger.ZERO),
        "paid": sum((p.balance["paid"] for p in projects), ledger.ZERO),
        "unpaid": sum((p.balance["unpaid"] for p in projects), ledger.ZERO),
    }


def contract_of(project):
    """The project's contract or None (no exception when there is none)."""
    try:
        return project.contract
    except Project.contract.RelatedObjectDoesNotExist:
        return None


def tranche_rows(contract, *, today: dt.date | None = None) -> list[Tranche]:
    """The contract's tranches, each with ``paid``, ``remaining``, ``pending`` (instructed through the
    treasury, not yet confirmed), ``instructable`` and ``overdue`` (its due date has passed with money
    still to pay)."""
    today = today or timezone.localdate()
    from techfund.treasury.enums import OPEN_INSTRUCTION_STATES
    from techfund.treasury.models import PaymentInstruction

    tranches = list(contract.tranches.annotate(paid_sum=Sum("payments__amount")).order_by("seq"))
    pending = dict(
        PaymentInstruction.objects.filter(
            source_type=Tranche._meta.label_lower,
            source_id__in=[str(t.pk) for t in tranches],
            state__in=OPEN_INSTRUCTION_STATES,
        )
        .values_list("source_id")
        .annotate(s=Sum("amount"))
    )
    for t in tranches:
        t.paid = t.paid_sum or ledger.ZERO
        t.remaining = t.amount - t.paid
        #: instructed through the treasury, not yet confirmed (直通车 in progress)
        t.pending = pending.get(str(t.pk), ledger.ZERO)
        t.instructable = t.remaining - t.pending
        t.overdue = bool(t.due_date and t.due_date < today and t.remaining > 0)
    return tranches


def next_payable(tranches) -> Tranche | None:
    """The first tranche with money still to pay (tranches are paid in order)."""
    return next((t for t in tranches if t.remaining > 0), None)


def payments_of(project) -> QuerySet[Payment]:
    return project.payments.select_related("tranche", "paid_by").order_by("paid_on", "id")


@dataclass
class AreaGroup:
    focus_area: object
    items: list = field(default_factory=list)
    total: Decimal = ledger.ZERO
    arrangeable_total: Decimal = ledger.ZERO


def awaiting_arrangement(user, fund_year) -> list[AreaGroup]:
    """The fund year's final items with no project yet, by focus area, each with ``reason`` (why it
    cannot be arranged here, "" when it can), with the totals of each area."""
    from techfund.projects.services.arrangement import not_arrangeable_reason

    items = (
        visible_items(user)
        .filter(batch__fund_year=fund_year, state=ItemState.FINAL, project__isnull=True)
        .select_related(
            "application__department", "implementing_organisation", "focus_area", "batch", "publicity"
        )
        .order_by("focus_area__order", "review_rank", "id")
    )
    groups: dict[int, AreaGroup] = {}
    for item in items:
        item.reason = not_arrangeable_reason(item)
        g = groups.setdefault(item.focus_area_id, AreaGroup(item.focus_area))
        g.items.append(item)
        g.total += item.decided_amount
        if not item.reason:
            g.arrangeable_total += item.decided_amount
    return list(groups.values())


def contracts_to_sign(projects: QuerySet[Project], side: str) -> QuerySet[Project]:
    """Projects whose contract waits for ``side``'s signature ("unit" or "owner")."""
    waiting = (
        [ContractState.DRAFT, ContractState.OWNER_SIGNED]
        if side == "unit"
        else [ContractState.DRAFT, ContractState.UNIT_SIGNED]
    )
    return projects.filter(state=ProjectState.ARRANGED, contract__state__in=waiting)


def prefetch_tranches():
    return Prefetch("contract__tranches", queryset=Tranche.objects.order_by("seq"))
