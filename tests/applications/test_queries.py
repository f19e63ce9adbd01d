"""List pages cost the same number of queries for 1 record as for 3 (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from techfund.applications import services
from tests.calls.builders import make_application


def queries(client, url) -> int:
    client.get(url)  # warm up (session, grants)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx)


def add(call, applicant, other_applicant, st_officer, n, *, start=1, stage="submitted"):
    apps = []
    for i in range(start, start + n):
        who = applicant if i % 2 else other_applicant
        app = make_application(call, who, title=f"项目{i}", n=i, submit=True)
        if stage in ("recommended", "forwarded"):
            services.prescreen(app, actor=st_officer, decision="recommend")
        if stage == "forwarded":
            services.forward_batch(
                call, actor=st_officer, department="science_technology", applications=[app]
            )
        apps.append(app)
    return apps


@pytest.mark.parametrize(
    ("who", "url", "stage"),
    [
        ("office", "/applications/", "submitted"),
        ("applicant", "/applications/", "submitted"),
        ("st_officer", "/applications/", "submitted"),
        ("st_officer", "/applications/screening/", "submitted"),
        ("st_officer", "/applications/screening/", "recommended"),
        ("office", "/applications/formal/", "forwarded"),
        ("office", "/", "forwarded"),
        ("st_officer", "/", "submitted"),
        ("applicant", "/", "submitted"),
    ],
)
def test_pages(client, call, applicant, other_applicant, st_officer, who, url, stage, request):
    client.force_login(request.getfixturevalue(who))
    add(call, applicant, other_applicant, st_officer, 1, stage=stage)
    one = queries(client, url)
    add(call, applicant, other_applicant, st_officer, 2, start=2, stage=stage)
    assert queries(client, url) == one


@pytest.mark.parametrize(
    ("who", "url", "stage"),
    [
        ("office", "/api/applications/", "submitted"),
        ("applicant", "/api/applications/", "submitted"),
        ("office", "/api/batches/", "forwarded"),
    ],
)
def test_api_lists(call, applicant, other_applicant, st_officer, who, url, stage, request):
    api = APIClient()
    api.force_authenticate(request.getfixturevalue(who))
    add(call, applicant, other_applicant, st_officer, 1, stage=stage)
    one = queries(api, url)
    add(call, applicant, other_applicant, st_officer, 2, start=2, stage=stage)
    assert queries(api, url) == one


def test_the_application_page_does_not_grow_with_its_rows(client, call, applicant, office):
    from tests.calls.builders import complete_fields

    app = make_application(call, applicant, submit=False)
    client.force_login(office)
    one = queries(client, f"/applications/{app.pk}/")
    fields = complete_fields()
    services.save_draft(app, actor=applicant, budget_lines=fields["budget_lines"] * 3)
    assert queries(client, f"/applications/{app.pk}/") == one
