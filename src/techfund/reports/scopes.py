"""What each person may see of the periodic reports: the fund's readers (office, leading group,
finance, auditor) see every report run; nobody else sees any."""

from django.db.models import QuerySet

from techfund.core.enums import Role
from techfund.funds.models import FundYear
from techfund.reports.models import ReportRun

READER_ROLES = frozenset({Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR})


def reads_reports(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.roles() & READER_ROLES)


def visible_runs(user) -> QuerySet[ReportRun]:
    qs = ReportRun.objects.all()
    return qs if reads_reports(user) else qs.none()


def reportable_years(user) -> QuerySet[FundYear]:
    """The fund years a person may report on (all, for the fund's readers)."""
    qs = FundYear.objects.all()
    return qs if reads_reports(user) else qs.none()
