"""List pages and endpoints run the same number of queries for 1 and 3 records (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from techfund.core.enums import Role
from techfund.core.services import people
from tests import factories


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _orgs(n):
    for _ in range(n):
        factories.organisation()


def _users(n):
    for _ in range(n):
        factories.user(Role.APPLICANT)  # with an organisation-scoped grant shown in the list


def _events(n):
    for _ in range(n):
        factories.department()


@pytest.mark.parametrize(
    ("role", "url", "make"),
    [
        (Role.OFFICE, "organisation_list", _orgs),
        (Role.SYSADMIN, "user_list", _users),
        (Role.AUDITOR, "audit_list", _events),
        (Role.SECADMIN, "grant_list", _users),
    ],
)
def test_list_pages(client, make_user, role, url, make):
    viewer = make_user(role)
    client.force_login(viewer)
    make(1)
    one = count_queries(lambda: client.get(reverse(url)))
    make(2)
    three = count_queries(lambda: client.get(reverse(url)))
    assert one == three


@pytest.mark.parametrize(
    ("role", "url", "make"),
    [
        (Role.OFFICE, "/api/organisations/", _orgs),
        (Role.SYSADMIN, "/api/users/", _users),
        (Role.AUDITOR, "/api/audit-events/", _events),
        (Role.SECADMIN, "/api/role-grants/", _users),
    ],
)
def test_api_lists(client, make_user, role, url, make):
    client.force_login(make_user(role))
    make(1)
    one = count_queries(lambda: client.get(url))
    make(2)
    three = count_queries(lambda: client.get(url))
    assert one == three


def test_object_trail(client, make_user, secadmin):
    viewer = make_user(Role.SYSADMIN)
    client.force_login(viewer)
    target = make_user(Role.EXPERT)
    url = reverse("user_detail", args=[target.pk])
    one = count_queries(lambda: client.get(url))
    people.grant_role(actor=secadmin, user=target, role=Role.FINANCE)
    people.grant_role(actor=secadmin, user=target, role=Role.OFFICE)
    three = count_queries(lambda: client.get(url))
    assert one == three
