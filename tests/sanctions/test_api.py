"""The REST API: same services, same scope (404), same refusals (400 {detail, code, errors}), 403 for a
role that may not act."""

import pytest
from rest_framework.test import APIClient

from techfund.sanctions.models import RecoveryOrder, SanctionOrder
from tests.sanctions.conftest import DEADLINE, assert_reconciles, nothing_saved


@pytest.fixture
def api():
    def as_user(user=None):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return as_user


def test_suspend_lift_terminate_through_the_api(
    paid, project, office, finance, unit_user, other_unit_user, api
):
    o, f = api(office), api(finance)
    body = {"project": project.pk, "kind": "lift", "reason": "x", "basis": "y"}
    with nothing_saved():
        r = o.post("/api/sanctions/orders/", body, format="json")
    assert r.status_code == 400 and r.json()["code"] == "project_state"
    assert r.json()["detail"] == f"项目 {project.number} 当前状态为“执行中”，没有暂停拨款，无需解除。"
    with nothing_saved():
        r = o.post("/api/sanctions/orders/", {**body, "kind": "suspend", "reason": ""}, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"reason": ["请填写事由。"]}
    with nothing_saved():
        assert f.post("/api/sanctions/orders/", {**body, "kind": "suspend"}, format="json").status_code == 403
        r = api(other_unit_user).post("/api/sanctions/orders/", {**body, "kind": "suspend"}, format="json")
        assert r.status_code == 404
        assert api().post(
            "/api/sanctions/orders/", {**body, "kind": "suspend"}, format="json"
        ).status_code in (
            401,
            403,
        )
    r = o.post("/api/sanctions/orders/", {**body, "kind": "suspend"}, format="json")
    assert r.status_code == 201
    order = r.json()
    assert order["state"] == "proposed" and order["project_number"] == project.number
    assert order["proposed_by_name"] == str(office) and order["decided_by"] is None
    decide = f"/api/sanctions/orders/{order['id']}/decide/"
    with nothing_saved():
        assert o.post(decide, {"decision": "concur"}, format="json").status_code == 403
        assert api(other_unit_user).post(decide, {"decision": "concur"}, format="json").status_code == 404
        r = f.post(decide, {"decision": "reject"}, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"opinion": ["请填写财政部门意见。"]}
    r = f.post(decide, {"decision": "concur", "opinion": "同意"}, format="json")
    assert (
        r.status_code == 200 and r.json()["state"] == "effective" and r.json()["from_state"] == "in_progress"
    )
    assert r.json()["decided_by"] == finance.pk
    # the unit reads its project's orders; another unit sees none
    assert [x["id"] for x in api(unit_user).get("/api/sanctions/orders/").json()["results"]] == [order["id"]]
    assert api(other_unit_user).get("/api/sanctions/orders/").json()["results"] == []
    assert api(other_unit_user).get(f"/api/sanctions/orders/{order['id']}/").status_code == 404
    r = o.post("/api/sanctions/orders/", {**body, "kind": "terminate"}, format="json")
    r = f.post(f"/api/sanctions/orders/{r.json()['id']}/decide/", {"decision": "concur"}, format="json")
    assert r.json()["released_amount"] == "1600000.00" and r.json()["release_entry"]
    listed = o.get("/api/sanctions/orders/?kind=terminate&state=effective").json()["results"]
    assert [x["kind"] for x in listed] == ["terminate"]
    assert SanctionOrder.objects.count() == 2
    assert_reconciles(project)


def test_recovery_through_the_api(paid, project, office, finance, unit_user, other_unit_user, api):
    o, f = api(office), api(finance)
    body = {
        "project": project.pk,
        "amount": "2400000.01",
        "deadline": DEADLINE.isoformat(),
        "reason": "违规",
        "basis": "审计",
    }
    with nothing_saved():
        r = o.post("/api/sanctions/recoveries/", body, format="json")
    assert r.status_code == 400 and r.json()["code"] == "exceeds_disbursed"
    assert "可追回金额 2,400,000.00 元" in r.json()["errors"]["amount"][0]
    with nothing_saved():
        r = o.post("/api/sanctions/recoveries/", {**body, "deadline": "soon"}, format="json")
    assert r.status_code == 400 and "deadline" in r.json()
    r = o.post("/api/sanctions/recoveries/", {**body, "amount": "1000000"}, format="json")
    assert r.status_code == 201
    rec = r.json()
    assert (rec["state"], rec["received"], rec["outstanding"], rec["receipts"]) == (
        "proposed",
        "0.00",
        "1000000.00",
        [],
    )
    base = f"/api/sanctions/recoveries/{rec['id']}"
    with nothing_saved():
        assert o.post(f"{base}/decide/", {"decision": "concur"}, format="json").status_code == 403
        r = f.post(f"{base}/receipts/", {"amount": "1", "treasury_ref": "JK-1"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "recovery_not_open"
    assert f.post(f"{base}/decide/", {"decision": "concur"}, format="json").json()["state"] == "open"
    with nothing_saved():
        assert (
            api(unit_user)
            .post(f"{base}/receipts/", {"amount": "1", "treasury_ref": "JK-1"}, format="json")
            .status_code
            == 403
        )
        r = api(other_unit_user).post(
            f"{base}/receipts/", {"amount": "1", "treasury_ref": "JK-1"}, format="json"
        )
        assert r.status_code == 404
        r = f.post(f"{base}/receipts/", {"amount": "1000000.01", "treasury_ref": "JK-1"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "exceeds_outstanding"
    r = f.post(
        f"{base}/receipts/", {"amount": "250000", "treasury_ref": "JK-1", "note": "第一笔"}, format="json"
    )
    assert r.status_code == 201
    assert (r.json()["received"], r.json()["outstanding"], r.json()["state"]) == (
        "250000.00",
        "750000.00",
        "open",
    )
    assert r.json()["receipts"][0]["treasury_ref"] == "JK-1"
    r = f.post(f"{base}/receipts/", {"amount": "750000", "treasury_ref": "JK-2"}, format="json")
    assert r.json()["state"] == "settled" and r.json()["settled_on"]
    receipts = api(unit_user).get("/api/sanctions/receipts/").json()["results"]
    assert [x["treasury_ref"] for x in receipts] == ["JK-1", "JK-2"]
    assert api(other_unit_user).get("/api/sanctions/receipts/").json()["results"] == []
    assert api(other_unit_user).get(f"{base}/").status_code == 404
    assert [
        x["id"]
        for x in o.get(f"/api/sanctions/recoveries/?state=settled&project={project.pk}").json()["results"]
    ] == [rec["id"]]
    assert RecoveryOrder.objects.get().state == "settled"
    assert_reconciles(project)
