"""Fixtures for monitoring: the projects fixtures (``running`` is signed 2026-10-20 and runs from
2026-11-01 to 2028-10-31; ``paid`` has its first tranche of 2,400,000 paid), people around project A
and B, a clock for the pages, and a helper that asserts nothing was written.

Rizhao's monitoring rules: a report every 6 months, due 15 days after the period; rectification
30 days by default, at most 90. So project A's periods are::

    1  2026-10-20 – 2027-04-19  due 2027-05-04
    2  2027-04-20 – 2027-10-19  due 2027-11-03
    3  2027-10-20 – 2028-04-19  due 2028-05-04
    4  2028-04-20 – 2028-10-19  due 2028-11-03
    5  2028-10-20 – 2028-10-31  due 2028-11-15
"""

import contextlib
import datetime as dt

import pytest

from techfund.core.enums import Role
from techfund.core.models import AuditEvent
from techfund.monitoring import schedule
from techfund.monitoring import services as monitoring
from techfund.monitoring.models import Escalation, ProgressReport, Rectification
from techfund.projects import services as project_services
from tests import factories
from tests.projects.conftest import *  # noqa: F403
from tests.projects.conftest import SIGNED_ON

#: Days inside project A's first periods.
IN_P1 = dt.date(2027, 3, 1)
AFTER_P1 = dt.date(2027, 4, 25)  # period 1 ended, report not yet due (due 2027-05-04)
LATE_P1 = dt.date(2027, 5, 10)  # period 1 overdue by 6 days
IN_P2 = dt.date(2027, 6, 1)


def counts() -> dict:
    return {
        "reports": sorted(ProgressReport.objects.values_list("id", "state", "review_opinion")),
        "rectifications": sorted(
            Rectification.objects.values_list("id", "state", "deadline", "round", "response")
        ),
        "escalations": sorted(Escalation.objects.values_list("id", "state", "decision")),
        "events": AuditEvent.objects.exclude(action__startswith="auth.").count(),
    }


@contextlib.contextmanager
def nothing_saved():
    """Asserts that the block writes no monitoring record, changes none and records no audit event."""
    before = counts()
    yield
    assert counts() == before


REPORT = {
    "progress": "完成关键部件设计，样机加工中。",
    "milestones": "样机研制按计划推进。",
    "funds_spent": "1200000.00",
    "problems": "",
}


def submit(project, user, period=1, today=IN_P1, **kw):
    return monitoring.submit_progress_report(
        project, actor=user, period=period, today=today, **{**REPORT, **kw}
    )


@pytest.fixture
def clock(monkeypatch):
    """Sets the day the pages, the API and home treat as today: ``clock(dt.date(2027, 5, 10))``."""

    def set_day(day):
        monkeypatch.setattr(schedule, "current_date", lambda: day)
        return day

    return set_day


@pytest.fixture
def other_officer(it_department):
    """An officer of another department (工信局, project B's)."""
    return factories.user(Role.DEPARTMENT, department=it_department)


@pytest.fixture
def other_unit(rizhao):
    """An applicant of another organisation."""
    return factories.user(Role.APPLICANT)


@pytest.fixture
def running_b(project_b, office):
    """Project B (工信局, another unit) signed on the same day, in progress."""
    contract = project_services.generate_contract(project_b, actor=office)
    unit = factories.user(Role.APPLICANT, organisation=project_b.organisation)
    project_services.sign_contract(contract, actor=unit, signatory="赵六", today=SIGNED_ON)
    project_services.sign_contract(contract, actor=office, signatory="钱七", today=SIGNED_ON)
    project_b.refresh_from_db()
    return project_b
