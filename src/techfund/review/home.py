"""Expert review's part of each role's home page: pending work and links (registered in ``apps.py``)."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.applications.enums import ApplicationState
from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending
from techfund.review.enums import AssignmentState, RoundState
from techfund.review.scopes import HOLDING, PENDING, my_assignments, review_calls, visible_rounds


def tasks_to_score(user):
    """The expert's assignments in open rounds that still wait for a score."""
    qs = (
        my_assignments(user)
        .filter(state__in=PENDING, round__state=RoundState.OPEN)
        .select_related("application", "round__call")
        .order_by("round__created_at", "application__number")
    )
    for a in qs:
        yield Pending(
            title=f"{a.application.number} {a.application.title}",
            url=reverse("review:task_detail", args=[a.pk]),
            kind=_("待评分"),
            detail=f"{a.round.call.title} · {a.round.name}",
        )


def rounds_in_progress(user):
    """Rounds in preparation (to assign and open) and under way (to follow and close)."""
    qs = (
        visible_rounds(user)
        .filter(state__in=(RoundState.DRAFT, RoundState.OPEN))
        .select_related("call")
        .annotate(
            held=Count("assignments", filter=Q(assignments__state__in=HOLDING)),
            scored=Count("assignments", filter=Q(assignments__state=AssignmentState.SUBMITTED)),
        )
        .order_by("call__code", "sequence")
    )
    for r in qs:
        if r.state == RoundState.DRAFT:
            kind = _("评审轮次筹备中，待分配专家并开始")
            detail = _("已分配 %(n)s 项评审任务") % {"n": r.held}
        else:
            kind = _("评审中") if r.scored < r.held else _("专家均已评分，可结束评审")
            detail = _("已评分 %(s)s / %(n)s") % {"s": r.scored, "n": r.held}
        yield Pending(
            title=f"{r.call.title} · {r.name}",
            url=reverse("review:round_detail", args=[r.pk]),
            kind=kind,
            detail=detail,
        )


def calls_awaiting_review(user):
    """Calls with applications that passed the formal check and are in no round yet."""
    waiting = Count(
        "applications",
        filter=Q(applications__state=ApplicationState.FORMAL_PASSED)
        & Q(applications__assignments__isnull=True),
    )
    qs = review_calls(user).annotate(waiting=waiting).filter(waiting__gt=0).order_by("code")
    for call in qs:
        yield Pending(
            title=call.title,
            url=reverse("review:call_rounds", args=[call.pk]),
            kind=_("形式审查通过，待组织专家评审"),
            detail=_("%(n)s 个申报项目") % {"n": call.waiting},
        )


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.EXPERT)(tasks_to_score)
    register_pending(Role.OFFICE)(calls_awaiting_review)
    register_pending(Role.OFFICE)(rounds_in_progress)
    # plans: declined assignments nobody could take over automatically
    from techfund.review.services.plans import declines_to_fill

    register_pending(Role.OFFICE)(declines_to_fill)
    register_link(Role.EXPERT, "review:task_list", gettext_lazy("我的评审任务"))
    register_link(Role.OFFICE, "review:round_list", gettext_lazy("专家评审"))
    register_link(Role.OFFICE, "review:expert_list", gettext_lazy("评审专家库"))
    for role in (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR):
        register_link(role, "review:round_list", gettext_lazy("专家评审"))
        register_link(role, "review:ranking", gettext_lazy("评审结果排名"))
    register_link(Role.LEADING_GROUP, "review:expert_list", gettext_lazy("评审专家库"))
    register_link(Role.AUDITOR, "review:expert_list", gettext_lazy("评审专家库"))
    register_link(Role.FINANCE, "review:expert_list", gettext_lazy("评审专家库"))
    register_link(Role.DEPARTMENT, "review:ranking", gettext_lazy("评审结果"))
