"""List pages cost the same number of queries for 1 record as for 3 (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from techfund.funds import services
from tests.funds.conftest import contribute


def queries(client, url) -> int:
    client.get(url)  # warm up (session, grants, content types)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx)


def add_year(office, profile, year):
    fy = services.open_fund_year(actor=office, year=year, profile=profile)
    contribute(fy, office, "st_innovation", "1000.00")


def add_contributions(fy, office, n):
    for code in ["st_innovation", "technical_renovation", "provincial_st"][:n]:
        contribute(fy, office, code, "1000.00")


def add_frameworks(fy, office, leader, n):
    for i in range(n):
        fw = services.propose_framework(
            fy, actor=office, allocations={"key_rd": "10.00", "platforms": "5.00"}
        )
        services.submit_framework(fw, actor=office)
        if i < n - 1:
            services.approve_framework(fw, actor=leader)


@pytest.fixture
def web(client, office):
    client.force_login(office)
    return client


def test_year_list_page(rizhao, office, web):
    add_year(office, rizhao, rizhao.year)
    one = queries(web, "/funds/")
    add_year(office, rizhao, rizhao.year - 1)
    add_year(office, rizhao, rizhao.year - 2)
    assert queries(web, "/funds/") == one


def test_year_detail_page(fund_year, office, leader, web):
    add_contributions(fund_year, office, 1)
    add_frameworks(fund_year, office, leader, 1)
    one = queries(web, f"/funds/{fund_year.year}/")
    add_contributions(fund_year, office, 2)
    services.approve_framework(fund_year.frameworks.get(state="submitted"), actor=leader)
    add_frameworks(fund_year, office, leader, 2)
    assert queries(web, f"/funds/{fund_year.year}/") == one


def test_framework_detail_page(fund_year, office, leader, web):
    add_contributions(fund_year, office, 1)
    one_fw = services.propose_framework(fund_year, actor=office, allocations={"key_rd": "10.00"})
    one = queries(web, f"/funds/frameworks/{one_fw.pk}/")
    services.update_framework(
        one_fw, actor=office, allocations={"key_rd": "10.00", "platforms": "5.00", "transfer": "1.00"}
    )
    assert queries(web, f"/funds/frameworks/{one_fw.pk}/") == one


@pytest.mark.parametrize(
    "url",
    ["/api/funds/years/", "/api/funds/contributions/", "/api/funds/frameworks/", "/api/funds/years/{year}/"],
)
def test_api_lists(fund_year, office, leader, url):
    api = APIClient()
    api.force_authenticate(office)
    url = url.format(year=fund_year.year)
    add_contributions(fund_year, office, 1)
    add_frameworks(fund_year, office, leader, 1)
    one = queries(api, url)
    add_contributions(fund_year, office, 2)
    services.approve_framework(fund_year.frameworks.get(state="submitted"), actor=leader)
    add_frameworks(fund_year, office, leader, 2)
    for i in (1, 2):
        services.open_fund_year(actor=office, year=fund_year.year - i, profile=fund_year.profile)
    assert queries(api, url) == one
