"""This stage's part of each role's home page: pending work and links (registered in ``apps.py``).

- unit (applicant): projects in progress whose contract has ended (or whose self-evaluation was
  returned) and that have no self-evaluation awaiting acceptance — to self-evaluate;
- office: self-evaluations to accept; projects whose self-evaluation is accepted with no
  comprehensive evaluation (or one finance returned) — to propose; next-year proposals to submit;
- finance: comprehensive evaluations to confirm.
"""

from django.db.models import Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending
from techfund.evaluation.enums import (
    LIVE_SELF_EVALUATION_STATES,
    ComprehensiveState,
    NextYearState,
    SelfEvaluationState,
)
from techfund.evaluation.models import ComprehensiveEvaluation, SelfEvaluation
from techfund.evaluation.scopes import visible_comprehensive, visible_next_year, visible_self_evaluations
from techfund.funds.validation import fmt
from techfund.projects.enums import ProjectState
from techfund.projects.scopes import visible_projects


def projects_to_self_evaluate(user, *, today=None):
    """The unit's projects in progress with the contract's end date reached (or a returned
    self-evaluation), not yet self-evaluated."""
    today = today or timezone.localdate()
    live = SelfEvaluation.objects.filter(project=OuterRef("pk"), state__in=LIVE_SELF_EVALUATION_STATES)
    returned = SelfEvaluation.objects.filter(project=OuterRef("pk"), state=SelfEvaluationState.RETURNED)
    qs = (
        visible_projects(user)
        .filter(organisation_id__in=user.organisation_ids(), state=ProjectState.IN_PROGRESS)
        .annotate(has_live=Exists(live), was_returned=Exists(returned))
        .filter(has_live=False)
        .filter(Q(contract__end_date__lte=today) | Q(was_returned=True))
        .select_related("contract")
        .order_by("contract__end_date", "number")
    )
    for p in qs:
        yield Pending(
            title=f"{p.number} {p.title}",
            url=reverse("evaluation:self_evaluation_new", args=[p.pk]),
            kind=_("自评被退回，待修改后重新提交") if p.was_returned else _("项目到期，待提交绩效自评"),
            detail=_("任务书完成日期 %(d)s") % {"d": p.contract.end_date.isoformat()},
        )


def self_evaluations_to_accept(user):
    qs = (
        visible_self_evaluations(user)
        .filter(state=SelfEvaluationState.SUBMITTED)
        .select_related("project")
        .order_by("submitted_at", "id")
    )
    for ev in qs:
        yield Pending(
            title=f"{ev.project.number} {ev.project.title}",
            url=reverse("evaluation:self_evaluation_detail", args=[ev.pk]),
            kind=_("单位自评待受理"),
            detail=_("自评 %(total)s 分（%(grade)s）") % {"total": ev.total, "grade": ev.get_grade_display()},
        )


def comprehensive_to_propose(user):
    pending = ComprehensiveEvaluation.objects.filter(
        project=OuterRef("project"), state__in=[ComprehensiveState.PROPOSED, ComprehensiveState.CONFIRMED]
    )
    qs = (
        visible_self_evaluations(user)
        .filter(state=SelfEvaluationState.ACCEPTED, project__state=ProjectState.ACCEPTANCE)
        .annotate(has_ce=Exists(pending))
        .filter(has_ce=False)
        .select_related("project")
        .order_by("decided_at", "id")
    )
    for ev in qs:
        yield Pending(
            title=f"{ev.project.number} {ev.project.title}",
            url=reverse("evaluation:comprehensive_new", args=[ev.project_id]),
            kind=_("自评已受理，待提出综合绩效评价"),
            detail=_("自评 %(total)s 分（%(grade)s）") % {"total": ev.total, "grade": ev.get_grade_display()},
        )


def comprehensive_to_confirm(user):
    qs = (
        visible_comprehensive(user)
        .filter(state=ComprehensiveState.PROPOSED)
        .select_related("project")
        .order_by("proposed_at", "id")
    )
    for ce in qs:
        yield Pending(
            title=f"{ce.project.number} {ce.project.title}",
            url=reverse("evaluation:comprehensive_detail", args=[ce.pk]),
            kind=_("综合绩效评价待财政部门确认"),
            detail=_("综合得分 %(total)s（%(grade)s）")
            % {"total": ce.total, "grade": ce.get_grade_display()},
        )


def next_year_to_submit(user):
    qs = (
        visible_next_year(user)
        .filter(state=NextYearState.DRAFT)
        .select_related("fund_year")
        .annotate(total=Sum("lines__amount"))
    )
    for p in qs.order_by("fund_year__year", "id"):
        yield Pending(
            title=str(p),
            url=reverse("evaluation:next_year_detail", args=[p.pk]),
            kind=_("下一年度框架建议待报领导小组"),
            detail=_("建议合计 %(total)s 元") % {"total": fmt(p.total or 0)},
        )


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.APPLICANT)(projects_to_self_evaluate)
    register_pending(Role.OFFICE)(self_evaluations_to_accept)
    register_pending(Role.OFFICE)(comprehensive_to_propose)
    register_pending(Role.FINANCE)(comprehensive_to_confirm)
    register_pending(Role.OFFICE)(next_year_to_submit)
    for role in (
        Role.OFFICE,
        Role.LEADING_GROUP,
        Role.FINANCE,
        Role.AUDITOR,
        Role.DEPARTMENT,
        Role.APPLICANT,
    ):
        register_link(role, "evaluation:project_list", gettext_lazy("验收与绩效评价"))
    for role in (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT):
        register_link(role, "evaluation:grade_list", gettext_lazy("绩效评价结果"))
    for role in (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR):
        register_link(role, "evaluation:next_year_list", gettext_lazy("下一年度框架建议"))
