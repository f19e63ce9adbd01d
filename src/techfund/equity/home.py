"""This stage's part of each role's home page: pending work and links (registered in ``apps.py``).

- office: equity projects whose investment is not registered yet;
- finance: write-offs and exits to confirm (proposed by someone else), stages ready to instruct;
- applicant: its organisation's investments.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending
from techfund.equity.enums import StageState, StepState
from techfund.equity.scopes import visible_exits, visible_investments, visible_stages, visible_write_offs
from techfund.funds.validation import fmt
from techfund.policy.enums import SupportMode
from techfund.projects.enums import ProjectState
from techfund.projects.scopes import visible_projects


def investments_to_register(user):
    for p in (
        visible_projects(user)
        .filter(
            support_mode=SupportMode.EQUITY,
            state__in=[ProjectState.ARRANGED, ProjectState.IN_PROGRESS],
            investment__isnull=True,
        )
        .order_by("number")
    ):
        yield Pending(
            title=f"{p.number} {p.title}",
            url=reverse("equity:register", args=[p.pk]),
            kind=_("股权投资项目待登记投资协议"),
            detail=_("安排金额 %(amount)s 元") % {"amount": fmt(p.amount)},
        )


def steps_to_confirm(user):
    for wo in (
        visible_write_offs(user)
        .filter(state=StepState.PROPOSED)
        .exclude(proposed_by=user)
        .select_related("investment")
    ):
        yield Pending(
            title=wo.investment.number,
            url=reverse("equity:detail", args=[wo.investment_id]),
            kind=_("先投后股核销待财政部门确认"),
            detail=wo.reason[:80],
        )
    for ex in (
        visible_exits(user)
        .filter(state=StepState.PROPOSED)
        .exclude(proposed_by=user)
        .select_related("investment")
    ):
        yield Pending(
            title=ex.investment.number,
            url=reverse("equity:detail", args=[ex.investment_id]),
            kind=_("股权退出待财政部门确认到账"),
            detail=_("%(kind)s，所得 %(amount)s 元")
            % {"kind": ex.get_kind_display(), "amount": fmt(ex.proceeds)},
        )


def stages_to_pay(user):
    seen = set()
    for s in (
        visible_stages(user)
        .filter(
            state=StageState.PLANNED,
            investment__state__in=["committed", "invested"],
            investment__project__state=ProjectState.IN_PROGRESS,
        )
        .select_related("investment")
        .order_by("investment_id", "seq")
    ):
        if s.investment_id in seen:  # only the next stage of each investment
            continue
        seen.add(s.investment_id)
        yield Pending(
            title=f"{s.investment.number} #{s.seq}",
            url=reverse("equity:detail", args=[s.investment_id]),
            kind=_("股权投资出资待拨付"),
            detail=_("%(amount)s 元：%(condition)s") % {"amount": fmt(s.amount), "condition": s.condition},
        )


def own_investments(user):
    for inv in visible_investments(user).select_related("project"):
        yield Pending(
            title=f"{inv.number} {inv.project.title}",
            url=reverse("equity:detail", args=[inv.pk]),
            kind=_("本单位获得的股权投资"),
            detail=inv.get_state_display(),
        )


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.OFFICE)(investments_to_register)
    register_pending(Role.FINANCE)(steps_to_confirm)
    register_pending(Role.FINANCE)(stages_to_pay)
    register_pending(Role.APPLICANT)(own_investments)
    for role in (
        Role.OFFICE,
        Role.FINANCE,
        Role.LEADING_GROUP,
        Role.AUDITOR,
        Role.DEPARTMENT,
        Role.APPLICANT,
    ):
        register_link(role, "equity:portfolio", gettext_lazy("股权投资"))
