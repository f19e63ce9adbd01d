"""List pages cost the same number of queries for 1 record as for 3 (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from techfund.review import services
from tests.review.conftest import CRITERIA, assignment_of, make_application, make_expert, score, scores


def queries(client, url) -> int:
    client.get(url)  # warm up (session, grants, content types)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx)


def add_round(call, office, n_apps, experts):
    """A closed round of ``n_apps`` applications, each scored by every expert given."""
    r = services.create_round(call, actor=office, name="轮次", method="remote", criteria=CRITERIA)
    apps = [make_application(call) for _ in range(n_apps)]
    for app in apps:
        for ex in experts:
            services.assign(r, actor=office, application=app, expert=ex)
    services.open_round(r, actor=office)
    for app in apps:
        for ex in experts:
            score(assignment_of(r, app, ex), scores(80, 70, 6))
    services.close_round(r, actor=office)
    return r


@pytest.fixture
def web(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_office_pages(call, office, web):
    experts = [make_expert(office)]
    first = add_round(call, office, 1, experts)
    c = web(office)
    urls = [
        "/review/rounds/",
        "/review/experts/",
        f"/review/calls/{call.pk}/",
        f"/review/rounds/{first.pk}/assign/",
    ]
    one = {u: queries(c, u) for u in urls}
    one_detail = queries(c, f"/review/rounds/{first.pk}/")
    one_ranking = queries(c, f"/review/ranking/?year={call.fund_year.year}&area=key_rd")
    experts += [make_expert(office), make_expert(office)]
    add_round(call, office, 3, experts)
    third = add_round(call, office, 3, experts)
    for u in urls:
        if u.endswith("/assign/"):
            u = f"/review/rounds/{third.pk}/assign/"
        assert queries(c, u) == one[u.replace(str(third.pk), str(first.pk))], u
    assert queries(c, f"/review/rounds/{third.pk}/") == one_detail
    assert queries(c, f"/review/ranking/?year={call.fund_year.year}&area=key_rd") == one_ranking


def test_expert_task_list(call, office, web):
    ex = make_expert(office)
    add_round(call, office, 1, [ex])
    c = web(ex.user)
    one = queries(c, "/review/tasks/")
    home_one = queries(c, "/")
    add_round(call, office, 3, [ex])
    assert queries(c, "/review/tasks/") == one
    assert queries(c, "/") == home_one


@pytest.mark.parametrize(
    "url",
    ["/api/review/experts/", "/api/review/rounds/", "/api/review/assignments/", "/api/review/results/"],
)
def test_api_lists(call, office, url):
    api = APIClient()
    api.force_authenticate(office)
    experts = [make_expert(office)]
    add_round(call, office, 1, experts)
    one = queries(api, url)
    experts += [make_expert(office), make_expert(office)]
    add_round(call, office, 3, experts)
    assert queries(api, url) == one
