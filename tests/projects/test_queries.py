"""List pages and endpoints cost the same number of queries for 1 project as for 3 (no N+1): the
ledger amounts come in two queries for the whole page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.projects.helpers import make_final_item, run_emergency


def queries(client, url) -> int:
    client.get(url)  # warm up (session, grants, content types)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx)


URLS = [
    "/projects/",
    "/api/projects/",
    "/api/projects/contracts/",
    "/api/projects/tranches/",
    "/api/projects/payments/",
]


def test_project_lists(fund_year, office, finance, client):
    client.force_login(finance)
    api = APIClient()
    api.force_authenticate(finance)
    run_emergency(fund_year, office, finance, title="应急一")
    one = {url: queries(api if url.startswith("/api/") else client, url) for url in URLS}
    run_emergency(fund_year, office, finance, title="应急二")
    run_emergency(fund_year, office, finance, title="应急三", pay=False)
    three = {url: queries(api if url.startswith("/api/") else client, url) for url in URLS}
    assert three == one


@pytest.mark.parametrize("url", ["/projects/arrange/"])
def test_arrangement_page(fund_year, office, leader, finance, client, url):
    client.force_login(finance)
    make_final_item(fund_year, office, leader, title="一")
    one = queries(client, url)
    make_final_item(fund_year, office, leader, title="二", area="key_rd")
    make_final_item(fund_year, office, leader, title="三", support_mode="equity")
    assert queries(client, url) == one
