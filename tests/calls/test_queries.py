"""The calls' list pages cost the same number of queries for 1 call as for 3."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.calls.builders import make_call


def queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx)


def add(fund_year, office, org, n, start=1):
    for i in range(start, start + n):
        make_call(fund_year, office, code=f"2026-ZD-{i:02d}", title=f"指南{i}")
        make_call(
            fund_year,
            office,
            code=f"2026-DX-{i:02d}",
            establishment_mode="commissioned",
            designated_organisations=[org],
            publish=i % 2 == 0,
        )


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("office", "/calls/"),
        (None, "/public/calls/"),
        ("applicant", "/calls/available/"),
        ("office", "/"),
    ],
)
def test_pages(client, fund_year, office, org, who, url, request):
    if who:
        client.force_login(request.getfixturevalue(who))
    add(fund_year, office, org, 1)
    one = queries(client, url)
    add(fund_year, office, org, 2, start=2)
    assert queries(client, url) == one


@pytest.mark.parametrize(("who", "url"), [("office", "/api/calls/"), (None, "/api/public/calls/")])
def test_api_lists(fund_year, office, org, who, url, request):
    api = APIClient()
    if who:
        api.force_authenticate(request.getfixturevalue(who))
    add(fund_year, office, org, 1)
    one = queries(api, url)
    add(fund_year, office, org, 2, start=2)
    assert queries(api, url) == one
