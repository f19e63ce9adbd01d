"""The reporting schedule of a project, derived from its contract and the policy (never stored).

Periods start on the contract's signing date (``Contract.signed_on``) and follow one another every
``monitoring.report_interval_months`` months; the last one ends on the contract's end date. Each
period's report is due ``monitoring.report_due_days`` days after the period ends. Only projects in
progress or suspended, with a contract signed by both sides, report.

A period's status on a given day::

    upcoming (not started) → open (under way; the unit may already report) → due (ended, report not
    yet due) → overdue (past the due date, no report)
    submitted (a report awaits review) → accepted

A returned report does not count: the period goes back to open / due / overdue until the unit
submits again. ``overdue(user, today)`` lists what is overdue within the person's scope.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from techfund.monitoring.enums import PeriodStatus, RectificationState, ReportState
from techfund.monitoring.models import ProgressReport, Rectification
from techfund.monitoring.transitions import MONITORED_STATES
from techfund.projects.enums import ContractState
from techfund.projects.models import Project


def current_date() -> dt.date:
    """Today in the site's time zone. Views, the API and home use it; tests may set the clock here."""
    return timezone.localdate()


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; a day the target month lacks becomes its last day (8-31 + 6 → 2-28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class Period:
    number: int
    start: dt.date
    end: dt.date
    due: dt.date
    status: str = PeriodStatus.UPCOMING
    #: The report that counts for the period (submitted or accepted), if any.
    report: ProgressReport | None = None
    #: Reports returned for this period, oldest first.
    returned: list = field(default_factory=list)
    #: Days past the due date (overdue periods only).
    days_overdue: int = 0

    @property
    def status_label(self) -> str:
        return str(PeriodStatus(self.status).label)

    @property
    def overdue(self) -> bool:
        return self.status == PeriodStatus.OVERDUE

    @property
    def submittable(self) -> bool:
        """The unit may submit a report for it: the period has started and has no live report."""
        return self.status in (PeriodStatus.OPEN, PeriodStatus.DUE, PeriodStatus.OVERDUE)

    @property
    def last_returned(self):
        return self.returned[-1] if self.returned else None


def periods_between(start: dt.date, end: dt.date, *, interval_months: int, due_days: int) -> list[Period]:
    """The reporting periods from ``start`` (the signing date) to ``end`` (the contract's end date)."""
    if interval_months < 1:
        raise ValueError("monitoring.report_interval_months must be at least 1")
    out: list[Period] = []
    n = 1
    period_start = start
    while period_start <= end:
        next_start = add_months(start, n * interval_months)
        period_end = min(next_start - dt.timedelta(days=1), end)
        out.append(Period(n, period_start, period_end, period_end + dt.timedelta(days=int(due_days))))
        n += 1
        period_start = next_start
    return out


def signed_contract(project):
    try:
        contract = project.contract
    except ObjectDoesNotExist:
        return None
    if contract.state != ContractState.SIGNED or contract.signed_on is None:
        return None
    return contract


def policy(project) -> dict:
    rules = project.fund_year.profile.rule("monitoring") or {}
    return {
        "interval_months": int(rules["report_interval_months"]),
        "due_days": int(rules["report_due_days"]),
        "rectification_days": int(rules["rectification_days"]),
        "max_rectification_days": int(rules["max_rectification_days"]),
    }


def report_schedule(project, *, today: dt.date | None = None) -> list[Period]:
    """The periods of ``project`` with each one's status on ``today`` (default: today).

    Empty for a project that does not report (not in progress or suspended, or no signed contract).
    Reads the project's reports through ``project.progress_reports.all()``, so a caller listing many
    projects prefetches them (``prefetch_related("progress_reports")``).
    """
    if project.state not in MONITORED_STATES:
        return []
    contract = signed_contract(project)
    if contract is None:
        return []
    rules = policy(project)
    periods = periods_between(
        contract.signed_on,
        contract.end_date,
        interval_months=rules["interval_months"],
        due_days=rules["due_days"],
    )
    day = today or current_date()
    by_period: dict[int, list] = {}
    for r in sorted(project.progress_reports.all(), key=lambda r: (r.submitted_at, r.pk)):
        by_period.setdefault(r.period, []).append(r)
    for p in periods:
        reports = by_period.get(p.number, [])
        p.returned = [r for r in reports if r.state == ReportState.RETURNED]
        live = [r for r in reports if r.state != ReportState.RETURNED]
        if live:
            p.report = live[-1]
            p.status = PeriodStatus(p.report.state)
        elif day < p.start:
            p.status = PeriodStatus.UPCOMING
        elif day <= p.end:
            p.status = PeriodStatus.OPEN
        elif day <= p.due:
            p.status = PeriodStatus.DUE
        else:
            p.status = PeriodStatus.OVERDUE
            p.days_overdue = (day - p.due).days
    return periods


def monitored_projects(user):
    """The projects in the person's scope that report progress, ready for ``report_schedule``."""
    from techfund.projects.scopes import visible_projects

    return (
        visible_projects(user)
        .filter(state__in=MONITORED_STATES, contract__state=ContractState.SIGNED)
        .select_related("contract", "fund_year__profile", "department", "organisation")
        .prefetch_related("progress_reports")
        .order_by("fund_year__year", "number")
    )


def schedules(user, *, today: dt.date | None = None) -> list[tuple[Project, list[Period]]]:
    """``(project, periods)`` of every monitored project in the person's scope."""
    day = today or current_date()
    return [(p, report_schedule(p, today=day)) for p in monitored_projects(user)]


@dataclass
class OverdueReport:
    project: Project
    period: Period


@dataclass
class Overdue:
    day: dt.date
    reports: list[OverdueReport]
    rectifications: list[Rectification]

    def __len__(self) -> int:
        return len(self.reports) + len(self.rectifications)


def overdue_rectifications(user, *, today: dt.date):
    from techfund.monitoring.scopes import visible_rectifications

    return (
        visible_rectifications(user)
        .filter(
            state=RectificationState.ISSUED,
            deadline__lt=today,
            project__state__in=MONITORED_STATES,
        )
        .select_related("project__department", "project__organisation", "issued_by")
        .order_by("deadline", "id")
    )


def overdue(user, *, today: dt.date | None = None) -> Overdue:
    """What is overdue on ``today`` within the person's scope: reports of periods past their due date
    with no report submitted (or only returned ones), most overdue first, and rectification orders
    past their deadline that the unit has not answered."""
    day = today or current_date()
    reports = [
        OverdueReport(project, period)
        for project, periods in schedules(user, today=day)
        for period in periods
        if period.overdue
    ]
    reports.sort(key=lambda o: (o.period.due, o.project.number, o.period.number))
    return Overdue(day, reports, list(overdue_rectifications(user, today=day)))
