"""The REST API: same services, same scope (404), same refusals (400 {detail, code, errors}), 403;
objections and publicity lists open to the public."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from techfund.decisions import services
from techfund.decisions.models import Objection, ProposalBatch, Publicity
from tests import factories
from tests.decisions.conftest import IN_PERIOD_DATE, area, nothing_saved, reserved

M = Decimal("1000000.00")


@pytest.fixture
def api():
    def as_user(user=None):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return as_user


def test_batch_and_items_through_the_api(fund_year, app_a, app_b, office, leader, api):
    c = api(office)
    r = c.post("/api/decisions/batches/", {"year": fund_year.year}, format="json")
    assert r.status_code == 201 and r.json()["number"] == 1 and r.json()["state"] == "draft"
    batch_id = r.json()["id"]
    with nothing_saved():
        r = c.post(
            "/api/decisions/items/",
            {"batch": batch_id, "application": app_a.pk, "amount": "12000000", "support_mode": "grant"},
            format="json",
        )
    assert r.status_code == 400 and r.json()["code"] == "item_invalid"
    assert (
        r.json()["errors"]["amount"][0]
        == "建议金额 12,000,000.00 元超过该项目申请的财政资金 4,000,000.00 元。"
    )
    r = c.post(
        "/api/decisions/items/",
        {"batch": batch_id, "application": app_a.pk, "amount": "4000000.00", "support_mode": "grant"},
        format="json",
    )
    assert r.status_code == 201
    item = r.json()
    assert item["review_score"] == "91.20" and item["review_rank"] == 1 and item["state"] == "proposed"
    assert item["implementing_organisation_name"] == app_a.organisation.name
    r = c.post(
        "/api/decisions/items/",
        {"batch": batch_id, "application": app_b.pk, "amount": "3000000.00"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["support_mode"] == "grant"  # the application's
    assert c.delete(f"/api/decisions/items/{r.json()['id']}/").status_code == 204
    assert api(leader).post(f"/api/decisions/batches/{batch_id}/submit/").status_code == 403
    r = c.post(f"/api/decisions/batches/{batch_id}/submit/")
    assert r.status_code == 200 and r.json()["state"] == "submitted" and r.json()["total"] == "4000000.00"
    assert reserved(fund_year) == 4 * M

    lg = api(leader)
    with nothing_saved():
        r = lg.post(
            f"/api/decisions/items/{item['id']}/decide/",
            {"decision": "modify", "amount": "5000000", "basis": "x"},
            format="json",
        )
    assert (
        r.status_code == 400
        and r.json()["detail"] == "调整后金额 5,000,000.00 元须小于建议金额 4,000,000.00 元。"
    )
    with nothing_saved():
        r = lg.post(
            f"/api/decisions/items/{item['id']}/decide/", {"decision": "approve", "basis": ""}, format="json"
        )
    assert r.status_code == 400 and r.json()["errors"] == {"basis": ["请填写审定依据。"]}
    assert (
        api(office)
        .post(
            f"/api/decisions/items/{item['id']}/decide/", {"decision": "approve", "basis": "x"}, format="json"
        )
        .status_code
        == 403
    )
    r = lg.post(
        f"/api/decisions/items/{item['id']}/decide/",
        {"decision": "modify", "amount": "3500000", "basis": "压减"},
        format="json",
    )
    assert (
        r.status_code == 200
        and r.json()["decided_amount"] == "3500000.00"
        and r.json()["state"] == "approved"
    )
    assert area(fund_year) == Decimal("6500000.00")
    assert lg.get(f"/api/decisions/batches/{batch_id}/").json()["state"] == "decided"


def test_publicity_objections_and_end(fund_year, approved, office, api):
    a, b = approved
    c = api(office)
    r = c.post(
        "/api/decisions/publicities/",
        {"year": fund_year.year, "items": [a.pk, b.pk], "starts_on": "2026-09-29"},
        format="json",
    )
    assert r.status_code == 201
    p = r.json()
    assert (p["starts_on"], p["ends_on"], p["working_days"]) == ("2026-09-29", "2026-10-10", 5)
    with nothing_saved():
        r = c.post(
            "/api/decisions/publicities/",
            {"year": fund_year.year, "items": [a.pk], "starts_on": "2027-01-04"},
            format="json",
        )
    assert r.status_code == 400 and r.json()["code"] == "publicity_items_invalid"

    # the public: no login for the list nor for filing; the publicity has ended (today > 2026-10-10)
    public = api()
    body = public.get("/api/decisions/public/publicities/").json()
    (row,) = body["results"]
    assert {i["title"] for i in row["items"]} == {a.application.title, b.application.title}
    assert set(row["items"][0]) == {
        "id",
        "title",
        "implementing_organisation",
        "focus_area",
        "support_mode",
        "amount",
        "state",
    }
    with nothing_saved():
        r = public.post(
            "/api/decisions/objections/",
            {"publicity": p["id"], "item": a.pk, "name": "张三", "contact": "138", "reason": "x"},
            format="json",
        )
    assert r.status_code == 400 and r.json()["code"] == "publicity_closed"
    assert public.get("/api/decisions/objections/").status_code in (401, 403)
    o = services.file_objection(
        Publicity.objects.get(pk=p["id"]),
        item=a,
        name="张三",
        contact="138",
        reason="x",
        today=IN_PERIOD_DATE,
    )
    r = c.post(f"/api/decisions/publicities/{p['id']}/end/")
    assert r.status_code == 400 and r.json()["code"] == "objections_open"
    with nothing_saved():
        r = c.post(f"/api/decisions/objections/{o.pk}/resolve/", {"upheld": True, "reply": ""}, format="json")
    assert r.status_code == 400 and r.json()["detail"] == "请填写处理意见。"
    r = c.post(f"/api/decisions/objections/{o.pk}/resolve/", {"upheld": True, "reply": "属实"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "upheld"
    r = c.post(f"/api/decisions/publicities/{p['id']}/end/")
    assert r.status_code == 200 and r.json()["state"] == "ended"
    states = {i["id"]: i["state"] for i in r.json()["items"]}
    assert states == {a.pk: "withdrawn", b.pk: "final"}


def test_public_objection_while_open(fund_year, approved, office, api):
    p = services.publish_publicity(fund_year, actor=office, items=list(approved))
    public = api()
    with nothing_saved():
        r = public.post(
            "/api/decisions/objections/",
            {"publicity": p.pk, "item": approved[0].pk, "name": "", "contact": "", "reason": ""},
            format="json",
        )
    assert r.status_code == 400
    assert r.json()["errors"] == {
        "name": ["请填写异议人姓名或单位。"],
        "contact": ["请填写联系方式。"],
        "reason": ["请填写异议内容。"],
    }
    r = public.post(
        "/api/decisions/objections/",
        {"publicity": p.pk, "item": approved[0].pk, "name": "张三", "contact": "138", "reason": "材料不实"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["detail"] == "您的异议已收到。"
    assert set(r.json()) == {"id", "state", "detail"}  # nothing echoed back
    assert Objection.objects.get().name == "张三"
    assert (
        public.post(
            "/api/decisions/objections/",
            {"publicity": 99999, "item": 1, "name": "a", "contact": "b", "reason": "c"},
            format="json",
        ).status_code
        == 404
    )


def test_scope_in_the_api(
    publicity, approved, app_a, st_department, it_department, officer_of, applicant_of, api
):
    a, b = approved
    own = api(applicant_of(app_a.organisation))
    assert [i["id"] for i in own.get("/api/decisions/items/").json()["results"]] == [a.pk]
    assert own.get(f"/api/decisions/items/{a.pk}/").status_code == 200
    assert own.get(f"/api/decisions/items/{b.pk}/").status_code == 404
    assert own.get("/api/decisions/batches/").json()["results"] == []
    assert own.get("/api/decisions/objections/").json()["results"] == []
    stranger = api(applicant_of(factories.organisation()))
    assert stranger.get(f"/api/decisions/items/{a.pk}/").status_code == 404
    st = api(officer_of(st_department))
    assert [i["id"] for i in st.get("/api/decisions/items/").json()["results"]] == [a.pk]
    it = api(officer_of(it_department))
    assert it.get(f"/api/decisions/items/{a.pk}/").status_code == 404
    assert it.get(f"/api/decisions/items/{b.pk}/").status_code == 200
    with nothing_saved():
        assert (
            own.post(
                f"/api/decisions/items/{a.pk}/decide/", {"decision": "approve", "basis": "x"}, format="json"
            ).status_code
            == 403
        )


def test_schema_documents_the_endpoints(db, api, office):
    r = api(office).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    paths = r.json()["paths"] if r["Content-Type"].startswith("application/json") else None
    if paths is None:
        import yaml

        paths = yaml.safe_load(r.content)["paths"]
    for path in (
        "/api/decisions/batches/",
        "/api/decisions/items/{id}/decide/",
        "/api/decisions/publicities/{id}/end/",
        "/api/decisions/objections/",
        "/api/decisions/objections/{id}/resolve/",
        "/api/decisions/public/publicities/",
    ):
        assert path in paths, path
    assert ProposalBatch.objects.count() == 0


def test_public_objections_api_is_rate_limited(fund_year, approved, office, api, settings):
    settings.PUBLIC_POST_RATE = "1/hour"
    p = services.publish_publicity(fund_year, actor=office, items=list(approved))
    body = {"publicity": p.pk, "item": approved[0].pk, "name": "张三", "contact": "138", "reason": "材料不实"}
    assert api().post("/api/decisions/objections/", body, format="json").status_code == 201
    with nothing_saved():
        r = api().post("/api/decisions/objections/", body, format="json")
    assert r.status_code == 429 and r.json()["detail"] == "提交过于频繁，请稍后再试。"
