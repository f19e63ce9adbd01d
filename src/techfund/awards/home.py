"""This stage's part of each role's home page (registered in ``apps.py``):

- office: competitions whose finalists still lack the due diligence the policy asks for;
- department officer: post-award projects it manages awaiting verification;
- finance: post-award projects ready to pay (verified or prizes, in progress, nothing instructed).
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.awards.models import AwardPayment, AwardVerification
from techfund.awards.scopes import visible_award_projects, visible_competitions
from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending
from techfund.funds.validation import fmt
from techfund.projects.enums import ProjectState


def diligence_due(user):
    from techfund.awards.services import prize_schedule

    for call in visible_competitions(user).select_related("fund_year__profile").order_by("-closes_at"):
        sched = prize_schedule(call)
        if sched.lines and sched.diligence_short:
            yield Pending(
                title=f"{call.code} {call.title}",
                url=reverse("awards:schedule", args=[call.pk]),
                kind=_("以赛代评尽职调查未达要求"),
                detail=_("决赛 %(n)d 项，至少须调查 %(need)d 项，已调查 %(have)d 项")
                % {"n": sched.finalists, "need": sched.diligence_required, "have": sched.diligence_done},
            )


def _open(user):
    paid = AwardPayment.objects.values("project_id")
    return (
        visible_award_projects(user)
        .filter(state=ProjectState.IN_PROGRESS)
        .exclude(pk__in=paid)
        .select_related("item__application__call")
        .order_by("number")
    )


def to_verify(user):
    from techfund.awards.enums import AwardKind
    from techfund.awards.services import kind_of

    verified = AwardVerification.objects.values("project_id")
    for p in _open(user).filter(department_id__in=user.department_ids()).exclude(pk__in=verified):
        if kind_of(p) == AwardKind.SUBSIDY:
            yield Pending(
                title=f"{p.number} {p.title}",
                url=reverse("awards:project", args=[p.pk]),
                kind=_("后补助待主管部门核验成果"),
                detail=_("安排 %(a)s 元") % {"a": fmt(p.amount)},
            )


def to_pay(user):
    from techfund.awards.services import payable
    from techfund.treasury.services import pending_amount

    for p in _open(user).filter(statutory_approved=True):
        _kind, amount, _v = payable(p)
        if amount and amount > 0 and not pending_amount(p):
            yield Pending(
                title=f"{p.number} {p.title}",
                url=reverse("awards:project", args=[p.pk]),
                kind=_("后补助（奖补）待生成支付指令"),
                detail=_("应拨 %(a)s 元") % {"a": fmt(amount)},
            )


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.OFFICE)(diligence_due)
    register_pending(Role.DEPARTMENT)(to_verify)
    register_pending(Role.FINANCE)(to_pay)
    for role in (
        Role.OFFICE,
        Role.FINANCE,
        Role.LEADING_GROUP,
        Role.AUDITOR,
        Role.DEPARTMENT,
        Role.APPLICANT,
    ):
        register_link(role, "awards:overview", gettext_lazy("后补助与奖补"))
