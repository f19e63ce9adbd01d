"""The applications' part of each role's home page: pending work and links (registered in ``apps.py``).

Applicants see each application that needs them; departments and the office see one line per call
with the number waiting (a call may bring hundreds of applications).
"""

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.applications.enums import ApplicationState
from techfund.applications.scopes import visible_applications
from techfund.calls.enums import CallState
from techfund.calls.validation import fmt_time
from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending


def returned_to_revise(user):
    qs = visible_applications(user).filter(
        state=ApplicationState.RETURNED, organisation_id__in=user.organisation_ids()
    )
    for app in qs.order_by("number"):
        yield Pending(
            title=f"{app.number} {app.title}",
            url=reverse("applications:edit", args=[app.pk]),
            kind=_("被部门退回，待修改后重新提交"),
            detail=_("退回理由：%(r)s") % {"r": app.return_reason},
        )


def drafts_of_open_calls(user):
    qs = visible_applications(user).filter(
        state=ApplicationState.DRAFT,
        organisation_id__in=user.organisation_ids(),
        call__state=CallState.PUBLISHED,
        call__closes_at__gt=timezone.now(),
    )
    for app in qs.select_related("call").order_by("call__closes_at", "number"):
        yield Pending(
            title=f"{app.number} {app.title}",
            url=reverse("applications:edit", args=[app.pk]),
            kind=_("申报书草稿，待提交"),
            detail=_("截止时间 %(t)s") % {"t": fmt_time(app.call.closes_at)},
        )


def _per_call(user, state: str, url: str, kind: str, departments_only: bool):
    qs = visible_applications(user).filter(state=state)
    if departments_only:
        qs = qs.filter(department_id__in=user.department_ids())
    rows = qs.values("call_id", "call__code", "call__title").annotate(n=Count("id")).order_by("call__code")
    for r in rows:
        yield Pending(
            title=f"{r['call__code']} {r['call__title']}",
            url=f"{url}?call={r['call_id']}",
            kind=kind,
            detail=_("%(n)s 项") % {"n": r["n"]},
        )


def to_prescreen(user):
    yield from _per_call(
        user, ApplicationState.SUBMITTED, reverse("applications:screening"), _("申报待部门初审"), True
    )


def to_forward(user):
    yield from _per_call(
        user, ApplicationState.RECOMMENDED, reverse("applications:screening"), _("已推荐，待报送办公室"), True
    )


def to_formal_check(user):
    yield from _per_call(
        user, ApplicationState.FORWARDED, reverse("applications:formal_queue"), _("待形式审查"), False
    )


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.APPLICANT)(returned_to_revise)
    register_pending(Role.APPLICANT)(drafts_of_open_calls)
    register_pending(Role.DEPARTMENT)(to_prescreen)
    register_pending(Role.DEPARTMENT)(to_forward)
    register_pending(Role.OFFICE)(to_formal_check)
    register_link(Role.APPLICANT, "applications:list", gettext_lazy("我的申报"))
    register_link(Role.DEPARTMENT, "applications:screening", gettext_lazy("部门初审与报送"))
    register_link(Role.OFFICE, "applications:formal_queue", gettext_lazy("形式审查"))
    for role in (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT):
        register_link(role, "applications:list", gettext_lazy("项目申报"))
