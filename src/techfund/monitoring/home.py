"""This stage's part of each role's home page: pending work and links (registered in ``apps.py``).

- the unit (applicant): report periods due or overdue (and returned reports), rectification orders
  to answer;
- the managing department: reports to review, rectification responses to verify;
- the office: escalated problems to handle, and how much is overdue.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending
from techfund.monitoring import schedule
from techfund.monitoring.enums import EscalationState, PeriodStatus, RectificationState, ReportState
from techfund.monitoring.scopes import visible_escalations, visible_rectifications, visible_reports
from techfund.monitoring.services._common import fmt_date


def _department_scope(user, qs):
    """What a department officer acts on: their department's projects (not everything they may read)."""
    return qs.filter(project__department_id__in=user.department_ids())


def _unit_scope(user, qs):
    return qs.filter(project__organisation_id__in=user.organisation_ids())


def reports_to_submit(user):
    day = schedule.current_date()
    orgs = user.organisation_ids()
    for project, periods in schedule.schedules(user, today=day):
        if project.organisation_id not in orgs:
            continue
        for p in periods:
            if p.status in (PeriodStatus.DUE, PeriodStatus.OVERDUE) or (p.submittable and p.returned):
                if p.status == PeriodStatus.OVERDUE:
                    kind = _("进展报告逾期未报")
                    detail = _("第%(n)s期，应于%(due)s前报送，已逾期%(days)s天") % {
                        "n": p.number,
                        "due": fmt_date(p.due),
                        "days": p.days_overdue,
                    }
                elif p.returned:
                    kind = _("进展报告被退回，待重报")
                    detail = _("第%(n)s期，退回意见：%(opinion)s") % {
                        "n": p.number,
                        "opinion": p.last_returned.review_opinion,
                    }
                else:
                    kind = _("进展报告待报送")
                    detail = _("第%(n)s期（%(start)s至%(end)s），请于%(due)s前报送") % {
                        "n": p.number,
                        "start": fmt_date(p.start),
                        "end": fmt_date(p.end),
                        "due": fmt_date(p.due),
                    }
                yield Pending(
                    title=str(project),
                    url=reverse("monitoring:report_new", args=[project.pk]) + f"?period={p.number}",
                    kind=kind,
                    detail=detail,
                )


def rectifications_to_answer(user):
    day = schedule.current_date()
    qs = (
        _unit_scope(user, visible_rectifications(user))
        .filter(state=RectificationState.ISSUED)
        .select_related("project")
        .order_by("deadline", "id")
    )
    for r in qs:
        yield Pending(
            title=str(r.project),
            url=reverse("monitoring:rectification_respond", args=[r.pk]),
            kind=_("整改逾期未报") if r.overdue_on(day) else _("整改通知待报送整改情况"),
            detail=_("%(number)s，整改期限%(deadline)s")
            % {"number": r.number, "deadline": fmt_date(r.deadline)},
        )


def reports_to_review(user):
    qs = (
        _department_scope(user, visible_reports(user))
        .filter(state=ReportState.SUBMITTED)
        .select_related("project")
        .order_by("submitted_at", "id")
    )
    for r in qs:
        yield Pending(
            title=str(r.project),
            url=reverse("monitoring:report_review", args=[r.pk]),
            kind=_("进展报告待审核"),
            detail=_("第%(n)s期，%(d)s报送") % {"n": r.period, "d": fmt_date(r.submitted_on)},
        )


def responses_to_verify(user):
    qs = (
        _department_scope(user, visible_rectifications(user))
        .filter(state=RectificationState.RESPONDED)
        .select_related("project")
        .order_by("responded_at", "id")
    )
    for r in qs:
        yield Pending(
            title=str(r.project),
            url=reverse("monitoring:rectification_verify", args=[r.pk]),
            kind=_("整改情况待核验"),
            detail=_("%(number)s，%(d)s报送整改情况") % {"number": r.number, "d": fmt_date(r.responded_on)},
        )


def escalations_to_handle(user):
    qs = (
        visible_escalations(user)
        .filter(state=EscalationState.OPEN)
        .select_related("project__department")
        .order_by("raised_at", "id")
    )
    for e in qs:
        yield Pending(
            title=str(e.project),
            url=reverse("monitoring:escalation_handle", args=[e.pk]),
            kind=_("重大问题待处理"),
            detail=_("%(dept)s建议：%(action)s")
            % {"dept": e.project.department.name, "action": e.get_suggested_action_display()},
        )


def overdue_counts(user):
    data = schedule.overdue(user)
    if len(data):
        yield Pending(
            title=_("逾期未报进展报告 %(r)s 份，逾期未整改 %(c)s 项")
            % {"r": len(data.reports), "c": len(data.rectifications)},
            url=reverse("monitoring:overview"),
            kind=_("项目执行逾期"),
            detail=_("截至%(d)s") % {"d": fmt_date(data.day)},
        )


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.APPLICANT)(reports_to_submit)
    register_pending(Role.APPLICANT)(rectifications_to_answer)
    register_pending(Role.DEPARTMENT)(reports_to_review)
    register_pending(Role.DEPARTMENT)(responses_to_verify)
    register_pending(Role.OFFICE)(escalations_to_handle)
    register_pending(Role.OFFICE, Role.DEPARTMENT)(overdue_counts)
    for role in (
        Role.OFFICE,
        Role.LEADING_GROUP,
        Role.FINANCE,
        Role.AUDITOR,
        Role.DEPARTMENT,
        Role.APPLICANT,
    ):
        register_link(role, "monitoring:overview", gettext_lazy("项目执行监管"))
