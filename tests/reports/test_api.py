"""The REST API of the periodic report: the preview as data, generation by the office, the list and
the download for the fund's readers; 400 with the message, 403, 404 as on the web pages."""

import pytest
from rest_framework.test import APIClient

from techfund.reports.models import ReportRun
from tests.reports.conftest import nothing_recorded

PERIOD = {"year": 2026, "start": "2026-10-01", "end": "2026-12-31"}


@pytest.fixture
def api():
    def as_user(user=None):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return as_user


def test_preview(dataset, leader, officer, api):
    r = api(leader).get("/api/reports/preview/", PERIOD)
    assert r.status_code == 200
    d = r.json()
    assert d["figures"]["arranged"] == "9000000.00" and d["figures"]["emergency_projects"] == 1
    assert d["reconciled"] is True and len(d["checks"]) == 5
    projects = next(s for s in d["sections"] if s["key"] == "projects")["tables"][0]
    assert [row["emergency"] for row in projects["rows"]] == ["", "", "★一事一议"]
    r = api(leader).get("/api/reports/preview/", PERIOD | {"start": "2026-11-15", "end": "2026-10-01"})
    assert r.status_code == 400 and r.json()["errors"] == {
        "end": ["截止日期 2026-10-01 早于起始日期 2026-11-15。"]
    }
    assert api(officer).get("/api/reports/preview/", PERIOD).status_code == 404
    assert api(leader).get("/api/reports/preview/", PERIOD | {"year": 2031}).status_code == 404
    assert api().get("/api/reports/preview/", PERIOD).status_code in (401, 403)


def test_generate_list_and_download(dataset, office, leader, finance, officer, api):
    with nothing_recorded():
        assert api(leader).post("/api/reports/runs/", PERIOD, format="json").status_code == 403
        r = api(office).post("/api/reports/runs/", PERIOD | {"end": "2040-01-01"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "period_invalid"
    with nothing_recorded():
        r = api(office).post("/api/reports/runs/", PERIOD | {"format": "docx"}, format="json")
    assert r.status_code == 400
    r = api(office).post("/api/reports/runs/", PERIOD, format="json")
    assert r.status_code == 201, r.json()
    got = r.json()
    run = ReportRun.objects.get()
    assert got["id"] == run.pk and got["format"] == "xlsx" and got["sha256"] == run.sha256
    assert got["start"] == "2026-10-01" and got["generated_by"] == office.pk
    assert [x["id"] for x in api(finance).get("/api/reports/runs/").json()["results"]] == [run.pk]
    assert api(finance).get("/api/reports/runs/?fmt=pdf").json()["results"] == []
    r = api(finance).get(f"/api/reports/runs/{run.pk}/download/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == bytes(run.content)
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert api(officer).get("/api/reports/runs/").json()["results"] == []
    assert api(officer).get(f"/api/reports/runs/{run.pk}/").status_code == 404
    assert api(officer).get(f"/api/reports/runs/{run.pk}/download/").status_code == 404
