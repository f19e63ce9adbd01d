"""List and detail pages cost the same number of queries for 1 record as for 3 (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from techfund.decisions import services
from tests.decisions.conftest import IN_PERIOD_DATE, START, make_application


def queries(client, url) -> int:
    client.get(url)  # warm up (session, grants, content types)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx)


def propose(fund_year, batch, office, n):
    items = []
    for _ in range(n):
        app = make_application(fund_year, requested="1000.00")
        items.append(
            services.propose_item(
                batch, actor=office, application=app, amount="1000.00", support_mode="grant"
            )
        )
    return items


def decided_batch(fund_year, office, leader, n):
    batch = services.create_batch(fund_year, actor=office, title="")
    items = propose(fund_year, batch, office, n)
    services.submit_batch(batch, actor=office)
    for it in items:
        services.decide_item(it, actor=leader, decision="approve", basis="同意")
    return batch, items


def publicise(fund_year, office, leader, n):
    _batch, items = decided_batch(fund_year, office, leader, n)
    p = services.publish_publicity(fund_year, actor=office, items=items, starts_on=START)
    for it in items:
        services.file_objection(p, item=it, name="张三", contact="1", reason="x", today=IN_PERIOD_DATE)
    return p


@pytest.fixture
def web(client, office):
    client.force_login(office)
    return client


def test_batch_detail_with_candidates(fund_year, office, web):
    batch = services.create_batch(fund_year, actor=office, title="")
    propose(fund_year, batch, office, 1)
    make_application(fund_year)
    one = queries(web, f"/decisions/batches/{batch.pk}/")
    propose(fund_year, batch, office, 2)
    make_application(fund_year)
    make_application(fund_year)
    assert queries(web, f"/decisions/batches/{batch.pk}/") == one


def test_batch_detail_for_the_leading_group(fund_year, office, leader, client):
    client.force_login(leader)
    batch = services.create_batch(fund_year, actor=office, title="")
    propose(fund_year, batch, office, 1)
    services.submit_batch(batch, actor=office)
    one = queries(client, f"/decisions/batches/{batch.pk}/")
    batch3 = services.create_batch(fund_year, actor=office, title="")
    propose(fund_year, batch3, office, 3)
    services.submit_batch(batch3, actor=office)
    assert queries(client, f"/decisions/batches/{batch3.pk}/") == one


def test_batch_list(fund_year, office, leader, web):
    decided_batch(fund_year, office, leader, 1)
    one = queries(web, "/decisions/")
    decided_batch(fund_year, office, leader, 1)
    decided_batch(fund_year, office, leader, 1)
    assert queries(web, "/decisions/") == one


def test_item_list(fund_year, office, leader, web):
    decided_batch(fund_year, office, leader, 1)
    one = queries(web, "/decisions/items/")
    decided_batch(fund_year, office, leader, 2)
    assert queries(web, "/decisions/items/") == one


def test_publicity_pages(fund_year, office, leader, web, client):
    p1 = publicise(fund_year, office, leader, 1)
    one_list = queries(web, "/decisions/publicities/")
    one_detail = queries(web, f"/decisions/publicities/{p1.pk}/")
    one_objections = queries(web, "/decisions/objections/")
    p3 = publicise(fund_year, office, leader, 3)
    publicise(fund_year, office, leader, 1)
    assert queries(web, "/decisions/publicities/") == one_list
    assert queries(web, f"/decisions/publicities/{p3.pk}/") == one_detail
    assert queries(web, "/decisions/objections/") == one_objections


def test_public_pages(fund_year, office, leader, client):
    p1 = publicise(fund_year, office, leader, 1)
    one_list = queries(client, "/public/publicity/")
    one_detail = queries(client, f"/public/publicity/{p1.pk}/")
    p3 = publicise(fund_year, office, leader, 3)
    publicise(fund_year, office, leader, 1)
    assert queries(client, "/public/publicity/") == one_list
    assert queries(client, f"/public/publicity/{p3.pk}/") == one_detail


@pytest.mark.parametrize(
    "url",
    [
        "/api/decisions/batches/",
        "/api/decisions/items/",
        "/api/decisions/publicities/",
        "/api/decisions/objections/",
        "/api/decisions/public/publicities/",
    ],
)
def test_api_lists(fund_year, office, leader, url):
    api = APIClient()
    api.force_authenticate(office)
    publicise(fund_year, office, leader, 1)
    one = queries(api, url)
    publicise(fund_year, office, leader, 3)
    publicise(fund_year, office, leader, 1)
    assert queries(api, url) == one
