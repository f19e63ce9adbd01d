"""Helpers shared by the project services (not part of the public interface)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.projects.models import Project

__all__ = ["lock_project", "parse_date", "project_snapshot", "today_or"]


def lock_project(project) -> Project:
    """Lock the project row first in every service that changes it or moves its money, so two
    payments (or a payment and a suspension) run one after the other."""
    return (
        Project.objects.select_for_update()
        .select_related("fund_year__profile", "focus_area", "department", "organisation")
        .get(pk=project.pk)
    )


def today_or(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def parse_date(value, *, field: str, label: str, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            msg = _("请填写%(label)s。") % {"label": label}
            raise ServiceError(msg, code="date_required", errors={field: [msg]})
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        msg = _("%(label)s“%(v)s”不是有效的日期（格式：2026-03-01）。") % {"label": label, "v": value}
        raise ServiceError(msg, code="date_invalid", errors={field: [msg]}) from exc


def project_snapshot(project) -> dict:
    return {
        "state": project.state,
        "amount": project.amount,
        "statutory_approved": project.statutory_approved,
        "fiscal_year": project.fiscal_year,
    }
