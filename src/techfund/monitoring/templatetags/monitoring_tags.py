"""The project page's monitoring panel reads its records here, through the stage's scope for the user."""

from django import template

from techfund.core.permissions import can
from techfund.monitoring import schedule
from techfund.monitoring.enums import RectificationState
from techfund.monitoring.scopes import (
    visible_escalations,
    visible_rectifications,
    visible_reports,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def monitoring_panel(context, project):
    """What ``monitoring/_project_panel.html`` shows of ``project`` to the user of the request (or
    ``user`` in the context); ``None`` when the user may not see the project's monitoring."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or project is None or not can(user, "monitoring.view", project):
        return None
    day = schedule.current_date()
    periods = schedule.report_schedule(project, today=day)
    monitored = project.state in schedule.MONITORED_STATES
    rects = list(
        visible_rectifications(user)
        .filter(project=project)
        .select_related("report", "project")
        .order_by("seq")
    )
    for r in rects:
        r.is_overdue = r.overdue_on(day)
    may_verify = can(user, "monitoring.verify_rectification", project)
    may_respond = can(user, "monitoring.respond_rectification", project)
    return {
        "day": day,
        "periods": periods,
        "reports": list(
            visible_reports(user)
            .filter(project=project)
            .select_related("submitted_by")
            .order_by("period", "submitted_at")
        ),
        "rectifications": rects,
        "escalations": (
            list(visible_escalations(user).filter(project=project).order_by("raised_at"))
            if can(user, "monitoring.view_escalation", project)
            else None
        ),
        "may_submit": monitored and can(user, "monitoring.submit_report", project),
        "may_review": can(user, "monitoring.review_report", project),
        "may_rectify": monitored and can(user, "monitoring.issue_rectification", project),
        "may_respond": may_respond,
        "may_verify": may_verify,
        "may_escalate": monitored and can(user, "monitoring.escalate", project),
        "may_handle": can(user, "monitoring.handle_escalation", project),
        "issued": RectificationState.ISSUED,
        "responded": RectificationState.RESPONDED,
    }
