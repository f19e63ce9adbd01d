"""The pool's API: experts with status, availability, history, import and the expert's own record;
conflicts for the office and auditor only; 申请回避 for the applicant organisation."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from techfund.review.models import Exclusion, Expert
from tests.review.conftest import make_application, make_expert, nothing_saved
from tests.review.pool.test_import import row, workbook


@pytest.fixture
def api():
    def as_user(user):
        c = APIClient()
        c.force_authenticate(user)
        return c

    return as_user


def test_status_availability_and_history(office, auditor, expert_a, expert_b, api):
    o = api(office)
    with nothing_saved():
        r = o.post(f"/api/review/experts/{expert_a.pk}/status/", {"status": "suspended"}, format="json")
    assert r.status_code == 400 and r.json()["detail"] == "暂停或禁入评审专家须说明原因。"
    r = o.post(
        f"/api/review/experts/{expert_a.pk}/status/",
        {"status": "suspended", "until": "2099-01-31", "reason": "无故拒评"},
        format="json",
    )
    assert r.status_code == 200
    body = r.json()
    assert (body["status"], body["status_until"], body["status_reason"], body["effective_status"]) == (
        "suspended",
        "2099-01-31",
        "无故拒评",
        "suspended",
    )
    r = o.post(
        f"/api/review/experts/{expert_a.pk}/availability/",
        {"starts_on": "2026-06-01", "ends_on": "2026-06-30"},
        format="json",
    )
    assert r.status_code == 201
    window = r.json()["id"]
    assert (
        api(auditor).get(f"/api/review/experts/{expert_a.pk}/availability/").json()[0]["ends_on"]
        == "2026-06-30"
    )
    assert (
        api(auditor).post(f"/api/review/experts/{expert_a.pk}/status/", {"status": "active"}).status_code
        == 403
    )
    assert o.delete(f"/api/review/experts/{expert_a.pk}/availability/{window}/").status_code == 204
    h = o.get(f"/api/review/experts/{expert_a.pk}/history/").json()
    assert h["totals"] == {"rounds": 0, "assigned": 0, "submitted": 0, "declined": 0}


def test_the_expert_reads_and_edits_only_themselves(expert_a, expert_b, api, org_x):
    a = api(expert_a.user)
    assert a.get("/api/review/experts/me/").json()["name"] == "王甲"
    r = a.patch("/api/review/experts/me/", {"title": "研究员", "keywords": ["海洋"]}, format="json")
    assert r.status_code == 200 and r.json()["title"] == "研究员"
    with nothing_saved():
        r = a.patch("/api/review/experts/me/", {"status": "active", "organisation": org_x.pk}, format="json")
    assert (
        r.status_code == 400
        and r.json()["detail"] == "以下信息由领导小组办公室维护，您不能修改：工作单位、状态。"
    )
    assert a.get(f"/api/review/experts/{expert_b.pk}/history/").status_code == 404
    assert a.post(f"/api/review/experts/{expert_b.pk}/availability/", {}, format="json").status_code == 404
    r = a.post(
        "/api/review/experts/me/relations/", {"kind": "economic", "organisation": org_x.pk}, format="json"
    )
    assert r.status_code == 201
    assert len(a.get("/api/review/experts/me/relations/").json()) == 1
    assert a.delete(f"/api/review/experts/me/relations/{r.json()['id']}/").status_code == 204
    assert a.post("/api/review/experts/me/pledge/").json()["pledge_signed_at"]


def test_import_endpoint(office, api):
    bad = SimpleUploadedFile("e.xlsx", workbook([row(name="")]))
    with nothing_saved():
        r = api(office).post("/api/review/experts/import/", {"file": bad}, format="multipart")
    assert r.status_code == 400
    assert r.json()["rows"] == [{"row": 2, "column": "name", "message": "请填写姓名。"}]
    good = SimpleUploadedFile("e.xlsx", workbook([row(name="甲")]))
    r = api(office).post("/api/review/experts/import/", {"file": good}, format="multipart")
    assert r.status_code == 201 and r.json()["without_account"] == 1  # the import creates no account
    assert Expert.objects.get(pk=r.json()["created"][0]).name == "甲"


def test_conflicts_for_the_office_and_auditor_only(
    draft_round, office, auditor, applicant_x, app1, org_x, api
):
    insider = make_expert(office, name="周戊", organisation=org_x)
    assert api(auditor).post("/api/review/conflicts/check/", {"round": draft_round.pk}).status_code == 403
    r = api(office).post("/api/review/conflicts/check/", {"round": draft_round.pk}, format="json")
    assert r.json() == {"round": draft_round.pk, "findings": 1}
    rows = (
        api(auditor).get(f"/api/review/conflicts/?round={draft_round.pk}&rule=same_entity").json()["results"]
    )
    assert [(x["application"], x["expert"], x["expert_name"]) for x in rows] == [
        (app1.pk, insider.pk, "周戊")
    ]
    for who in (applicant_x, insider.user):
        c = api(who)
        assert c.get("/api/review/conflicts/").json()["results"] == []
        assert c.get(f"/api/review/conflicts/{rows[0]['id']}/").status_code == 404
        assert c.post("/api/review/conflicts/check/", {"round": draft_round.pk}).status_code == 404
    assert api(applicant_x).get(f"/api/review/experts/{insider.pk}/").status_code == 404


def test_exclusions_api(call, org_x, applicant_x, applicant, office, api):
    app = make_application(call, organisation=org_x, until="submitted")
    a = api(applicant_x)
    r = a.post(
        "/api/review/exclusions/", {"application": app.pk, "name": "王甲", "reason": "竞争"}, format="json"
    )
    assert r.status_code == 201 and r.json()["name"] == "王甲"
    assert api(applicant).get("/api/review/exclusions/").json()["results"] == []
    with nothing_saved():
        r = api(applicant).post(
            "/api/review/exclusions/", {"application": app.pk, "name": "x", "reason": "y"}
        )
        assert r.status_code == 404
        assert api(office).delete(f"/api/review/exclusions/{Exclusion.objects.get().pk}/").status_code == 403
    assert len(api(office).get(f"/api/review/exclusions/?application={app.pk}").json()["results"]) == 1
    assert a.delete(f"/api/review/exclusions/{Exclusion.objects.get().pk}/").status_code == 204
    # an applicant lists no experts
    assert a.get("/api/review/experts/").json()["results"] == []
