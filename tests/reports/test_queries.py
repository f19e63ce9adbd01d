"""The report page costs the same number of queries for 1 report run as for 3, and for 1 project as
for 3 (no query per row)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from techfund.emergency import services as es
from techfund.reports import services as rs
from tests.reports.conftest import Q4_END, Q4_START

URL = "/reports/?year=2026&start=2026-10-01&end=2026-12-31"


def queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx)


def test_report_page(fund_year, submit, leader, office, client):
    client.force_login(office)
    es.approve_emergency(submit(amount="1000"), actor=leader, basis="同意")
    rs.generate_run(fund_year, actor=office, start=Q4_START, end=Q4_END)
    one = queries(client, URL)
    for _ in range(2):
        es.approve_emergency(submit(amount="1000"), actor=leader, basis="同意")
        rs.generate_run(fund_year, actor=office, start=Q4_START, end=Q4_END)
    assert queries(client, URL) == one
