"""List pages cost the same number of queries for 1 record as for 3 (no N+1)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.evaluation.conftest import evaluate


def queries(client, url) -> int:
    client.get(url)  # warm up (session, grants, content types)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx)


URLS = [
    "/evaluation/",
    "/evaluation/self-evaluations/",
    "/evaluation/comprehensive/",
    "/evaluation/grades/",
    "/evaluation/grades/summary/",
    "/api/evaluation/self-evaluations/",
    "/api/evaluation/comprehensive/",
    "/api/evaluation/grades/",
]


def test_list_pages_cost_the_same_for_one_and_three(
    paid, project, unit_user, office, finance, more_projects, st_department, client
):
    evaluate(project, office=office, finance=finance, unit=unit_user, grade="good")
    client.force_login(office)
    api = APIClient()
    api.force_authenticate(office)
    one = {u: queries(api if u.startswith("/api/") else client, u) for u in URLS}
    built = more_projects(
        [("甲", "key_rd", st_department, "1000000.00"), ("乙", "key_rd", st_department, "1000000.00")]
    )
    for p, unit in built:
        evaluate(p, office=office, finance=finance, unit=unit, grade="fair")
    three = {u: queries(api if u.startswith("/api/") else client, u) for u in URLS}
    assert three == one


def test_next_year_pages_cost_the_same(graded_year, fund_year, office, client):
    from techfund.evaluation import services
    from techfund.evaluation.models import NextYearLine

    client.force_login(office)
    api = APIClient()
    api.force_authenticate(office)
    proposal = services.propose_next_year(fund_year, actor=office)
    urls = [
        f"/evaluation/next-year/{proposal.pk}/",
        f"/api/evaluation/next-year/{proposal.pk}/",
        "/evaluation/next-year/",
    ]
    four = [queries(api if u.startswith("/api/") else client, u) for u in urls]
    # TEST SETUP ONLY: the same proposal with one line instead of four.
    NextYearLine.objects.filter(proposal=proposal).exclude(
        focus_area__code="major_projects", department__code="science_technology"
    ).delete()
    one = [queries(api if u.startswith("/api/") else client, u) for u in urls]
    assert one == four
