"""This stage's part of each role's home page: pending work and links (registered in ``apps.py``).

- finance: final items awaiting budget arrangement, projects awaiting the statutory approval, tranches
  due or overdue for payment;
- office and managing department: arranged projects without a 任务书;
- implementing unit (applicant) and managing department: contracts waiting for their signature.
"""

from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending
from techfund.decisions.enums import ItemState
from techfund.decisions.scopes import visible_items
from techfund.decisions.transitions import fmt_date
from techfund.funds.validation import fmt
from techfund.projects.enums import ContractState, ProjectState
from techfund.projects.models import Tranche
from techfund.projects.queries import contracts_to_sign
from techfund.projects.scopes import visible_projects


def items_to_arrange(user):
    rows = (
        visible_items(user)
        .filter(state=ItemState.FINAL, project__isnull=True)
        .values("batch__fund_year__year")
        .annotate(n=Count("id"), total=Sum("decided_amount"))
        .order_by("batch__fund_year__year")
    )
    for r in rows:
        year = r["batch__fund_year__year"]
        yield Pending(
            title=_("%(year)s年度 %(n)s 个立项项目待安排预算") % {"year": year, "n": r["n"]},
            url=reverse("projects:arrange") + f"?year={year}",
            kind=_("待安排预算"),
            detail=_("合计 %(total)s 元") % {"total": fmt(r["total"] or 0)},
        )


def projects_awaiting_approval(user):
    qs = (
        visible_projects(user)
        .filter(statutory_approved=False)
        .exclude(state__in=[ProjectState.TERMINATED, ProjectState.COMPLETED])
        .order_by("fund_year__year", "number")
    )
    for p in qs:
        yield Pending(
            title=f"{p.number} {p.title}",
            url=reverse("projects:project_detail", args=[p.pk]),
            kind=_("预算待确认按法定程序批准"),
            detail=_("安排金额 %(amount)s 元，预算年度 %(year)s")
            % {"amount": fmt(p.amount), "year": p.fiscal_year},
        )


def tranches_to_pay(user):
    """The next unpaid tranche of each payable project: the first tranche once the contract is signed
    (due within the policy's days), a later one from its planned date."""
    today = timezone.localdate()
    qs = (
        Tranche.objects.filter(
            contract__project__in=visible_projects(user),
            contract__state=ContractState.SIGNED,
            contract__project__state=ProjectState.IN_PROGRESS,
            contract__project__statutory_approved=True,
        )
        .annotate(paid=Sum("payments__amount"))
        .filter(Q(paid__isnull=True) | Q(paid__lt=F("amount")))
        .select_related("contract__project__organisation")
        .order_by("contract_id", "seq")
    )
    seen = set()
    for t in qs:
        if t.contract_id in seen:
            continue
        seen.add(t.contract_id)
        if t.seq != 1 and not (t.due_date and t.due_date <= today):
            continue
        p = t.contract.project
        overdue = bool(t.due_date and t.due_date < today)
        yield Pending(
            title=f"{p.number} {p.title}",
            url=reverse("projects:tranche_pay", args=[t.pk]),
            kind=_("逾期未拨付") if overdue else _("待拨付（直通车）"),
            detail=_("第%(seq)s期 %(amount)s 元，计划%(due)s前拨付至%(org)s")
            % {
                "seq": t.seq,
                "amount": fmt(t.amount - (t.paid or 0)),
                "due": fmt_date(t.due_date) if t.due_date else "—",
                "org": p.organisation.name,
            },
        )


def projects_without_contract(user):
    qs = (
        visible_projects(user)
        .filter(state=ProjectState.ARRANGED, contract__isnull=True)
        .select_related("organisation")
        .order_by("fund_year__year", "number")
    )
    for p in qs:
        yield Pending(
            title=f"{p.number} {p.title}",
            url=reverse("projects:project_detail", args=[p.pk]),
            kind=_("预算已安排，待生成任务书"),
            detail=p.organisation.name,
        )


def contracts_for_unit(user):
    """Contracts the user's organisation signs as 乙方 (only projects it implements)."""
    yield from _to_sign_filtered(user, "unit", Q(organisation_id__in=user.organisation_ids()))


def contracts_for_department(user):
    """Contracts the user's department signs as 甲方 (only projects it manages)."""
    yield from _to_sign_filtered(user, "owner", Q(department_id__in=user.department_ids()))


def _to_sign_filtered(user, side, q):
    qs = (
        contracts_to_sign(visible_projects(user).filter(q), side)
        .select_related("contract")
        .order_by("fund_year__year", "number")
    )
    kind = _("任务书待乙方（承担单位）签署") if side == "unit" else _("任务书待甲方（主管部门）签署")
    for p in qs:
        yield Pending(
            title=f"{p.number} {p.title}",
            url=reverse("projects:contract_detail", args=[p.pk]),
            kind=kind,
            detail=p.contract.number,
        )


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.FINANCE)(items_to_arrange)
    register_pending(Role.FINANCE)(projects_awaiting_approval)
    register_pending(Role.FINANCE)(tranches_to_pay)
    register_pending(Role.OFFICE, Role.DEPARTMENT)(projects_without_contract)
    register_pending(Role.APPLICANT)(contracts_for_unit)
    register_pending(Role.DEPARTMENT)(contracts_for_department)
    register_link(Role.FINANCE, "projects:arrange", gettext_lazy("待安排预算"))
    for role in (
        Role.OFFICE,
        Role.LEADING_GROUP,
        Role.FINANCE,
        Role.AUDITOR,
        Role.DEPARTMENT,
        Role.APPLICANT,
    ):
        register_link(role, "projects:project_list", gettext_lazy("项目"))
