"""List pages and list endpoints cost the same number of queries for 1 record as for 3 (no N+1)."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from techfund.monitoring import services as monitoring
from tests.monitoring.conftest import IN_P1, submit

LATER = dt.date(2027, 11, 10)  # periods 1 and 2 of both projects are due; period 3 under way
URLS = (
    "/monitoring/",
    "/monitoring/reports/",
    "/monitoring/rectifications/",
    "/monitoring/escalations/",
    "/api/monitoring/reports/",
    "/api/monitoring/rectifications/",
    "/api/monitoring/escalations/",
    "/api/monitoring/schedules/",
    "/api/monitoring/overdue/",
)


def queries(client, url) -> int:
    client.get(url)  # warm up (session, grants, content types)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx)


def records(project, unit, officer, periods):
    for n in periods:
        report = submit(project, unit, period=n, today=LATER, funds_spent="0")
        monitoring.issue_rectification(
            project, actor=officer, issue="问题", requirement="要求", report=report, today=LATER
        )
        monitoring.escalate(
            project, actor=officer, summary="重大问题", suggested_action="suspend", today=LATER
        )


def test_lists_cost_the_same_for_one_and_three(
    running, running_b, unit_user, dept_officer, office, client, clock
):
    from techfund.core.enums import Role
    from tests import factories

    clock(LATER)
    client.force_login(office)
    api = APIClient()
    api.force_authenticate(office)
    records(running, unit_user, dept_officer, [1])
    one = {url: queries(api if url.startswith("/api/") else client, url) for url in URLS}
    unit_b = factories.user(Role.APPLICANT, organisation=running_b.organisation)
    officer_b = factories.user(Role.DEPARTMENT, department=running_b.department)
    records(running, unit_user, dept_officer, [2])
    records(running_b, unit_b, officer_b, [1])
    three = {url: queries(api if url.startswith("/api/") else client, url) for url in URLS}
    assert three == one


def test_the_project_page(paid, running, unit_user, dept_officer, client, clock):
    clock(LATER)
    client.force_login(dept_officer)
    records(running, unit_user, dept_officer, [1])
    one = queries(client, f"/monitoring/projects/{running.pk}/")
    records(running, unit_user, dept_officer, [2])
    monitoring.issue_rectification(running, actor=dept_officer, issue="问题", requirement="要求", today=IN_P1)
    assert queries(client, f"/monitoring/projects/{running.pk}/") == one
