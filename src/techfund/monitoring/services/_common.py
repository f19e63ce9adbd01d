"""Helpers shared by this stage's services (not part of the public interface)."""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.services import ledger
from techfund.core.validation import raise_errors, text  # noqa: F401 - re-exported to this stage
from techfund.funds.validation import fmt
from techfund.monitoring import schedule
from techfund.monitoring.transitions import MONITORED_STATES
from techfund.projects.enums import ProjectState
from techfund.projects.services._common import lock_project, parse_date

__all__ = [
    "TEXT_MAX",
    "LONG_TEXT_MAX",
    "check_monitored",
    "fmt",
    "fmt_date",
    "lock_project",
    "money_at_least_zero",
    "parse_deadline",
    "raise_errors",
    "text",
    "today_or",
]

#: Limits of the free-text fields (characters).
LONG_TEXT_MAX = 5000
TEXT_MAX = 2000


def today_or(today: dt.date | None) -> dt.date:
    return today or schedule.current_date()


def fmt_date(day: dt.date) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


def money_at_least_zero(value, *, field: str, label: str, errors: dict) -> Decimal | None:
    """A yuan amount ≥ 0 with at most two places, or ``None`` with the message in ``errors``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.setdefault(field, []).append(_("请填写%(label)s。") % {"label": label})
        return None
    if isinstance(value, bool):
        errors.setdefault(field, []).append(
            _("%(label)s“%(v)s”不是有效的数字。") % {"label": label, "v": value}
        )
        return None
    try:
        amount = ledger.money(value)
    except ServiceError:
        errors.setdefault(field, []).append(
            _("%(label)s“%(v)s”不是有效的金额（元，最多两位小数）。") % {"label": label, "v": value}
        )
        return None
    if amount < 0:
        errors.setdefault(field, []).append(_("%(label)s不能为负数。") % {"label": label})
        return None
    return amount


def check_monitored(project, *, doing: str) -> None:
    """Refuse work on a project that is not in progress or suspended."""
    if project.state not in MONITORED_STATES:
        raise ServiceError(
            _(
                "项目 %(number)s 当前状态为“%(state)s”，不能%(doing)s（只有执行中或暂停拨款的项目接受执行监管）。"
            )
            % {"number": project.number, "state": ProjectState(project.state).label, "doing": doing},
            code="project_not_monitored",
        )


def parse_deadline(value, *, project, day: dt.date, errors: dict, field: str = "deadline") -> dt.date | None:
    """A rectification deadline: default ``day`` + ``rectification_days``; after ``day`` and no later
    than ``day`` + ``max_rectification_days`` (policy ``monitoring``)."""
    rules = schedule.policy(project)
    if value in (None, ""):
        return day + dt.timedelta(days=rules["rectification_days"])
    try:
        deadline = parse_date(value, field=field, label=_("整改期限"))
    except ServiceError as exc:
        for msgs in exc.errors.values():
            errors.setdefault(field, []).extend(msgs)
        return None
    latest = day + dt.timedelta(days=rules["max_rectification_days"])
    if deadline <= day:
        errors.setdefault(field, []).append(
            _("整改期限（%(d)s）必须晚于今天（%(today)s）。")
            % {"d": deadline.isoformat(), "today": day.isoformat()}
        )
        return None
    if deadline > latest:
        errors.setdefault(field, []).append(
            _("整改期限（%(d)s）不能晚于%(latest)s（自今天起最长%(n)s天）。")
            % {"d": deadline.isoformat(), "latest": latest.isoformat(), "n": rules["max_rectification_days"]}
        )
        return None
    return deadline
