"""The REST API: the same services, scope (404), roles (403) and refusals (400 {detail, code, errors})
as the pages; project amounts from the ledger."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from techfund.projects.models import Contract, Payment, Project
from tests import factories
from tests.projects.helpers import make_emergency, nothing_changed


@pytest.fixture
def api():
    def as_user(user=None):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return as_user


def test_arrange_generate_sign_and_pay_through_the_api(
    final_items, finance, office, api, applicant_of, officer_of
):
    a, b = final_items
    fin = api(finance)
    with nothing_changed():
        r = fin.post("/api/projects/arrange/", {"items": [a.pk, b.pk], "fiscal_year": 2030}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "arrangement_refused"
    assert r.json()["errors"]["fiscal_year"] == ["预算年度应为2026年或2027年，收到2030。"]
    with nothing_changed():
        assert api(office).post("/api/projects/arrange/", {"items": [a.pk]}, format="json").status_code == 403
        assert fin.post("/api/projects/arrange/", {"items": [999999]}, format="json").status_code == 404
        r = fin.post("/api/projects/arrange/", {"items": "x"}, format="json")
        assert r.status_code == 400
    r = fin.post("/api/projects/arrange/", {"items": [a.pk, b.pk], "note": "首批"}, format="json")
    assert r.status_code == 201
    rows = r.json()
    assert [p["number"] for p in rows] == ["KC2026-0001", "KC2026-0002"]
    assert rows[0]["unpaid"] == "4000000.00" and rows[0]["paid"] == "0.00" and rows[0]["contract"] is None
    assert rows[0]["statutory_approved"] is False and rows[0]["emergency"] is False
    pid = rows[0]["id"]

    r = fin.post(f"/api/projects/{pid}/confirm-statutory-approval/", {"reason": "人大批准"}, format="json")
    assert r.status_code == 200 and r.json()["statutory_approved"] is True
    r = fin.post(f"/api/projects/{pid}/confirm-statutory-approval/", {}, format="json")
    assert r.status_code == 400 and r.json()["detail"] == "该项目预算已确认按法定程序批准。"

    with nothing_changed():
        r = api(office).post(
            f"/api/projects/{pid}/generate-contract/", {"end_date": "2026-01-01"}, format="json"
        )
    assert r.status_code == 400 and r.json()["errors"] == {"end_date": ["完成日期必须晚于起始日期。"]}
    with nothing_changed():
        r = api(office).post(
            f"/api/projects/{pid}/generate-contract/",
            {"targets": [{"kind": "output", "name": "专利", "indicator_type": "zero", "target_value": "3"}]},
            format="json",
        )
    assert r.status_code == 400 and r.json()["errors"]["targets"] == [
        "第1项绩效目标是“须为零”指标，目标值应为0。"
    ]
    assert fin.post(f"/api/projects/{pid}/generate-contract/", {}, format="json").status_code == 403
    r = api(office).post(f"/api/projects/{pid}/generate-contract/", {}, format="json")
    assert r.status_code == 201
    contract = r.json()
    assert contract["state"] == "draft" and len(contract["targets"]) == 4 and len(contract["milestones"]) == 2
    assert [(t["seq"], t["amount"], t["paid"], t["remaining"]) for t in contract["tranches"]] == [
        (1, "2400000.00", "0.00", "2400000.00"),
        (2, "1600000.00", "0.00", "1600000.00"),
    ]
    project = Project.objects.get(pk=pid)
    unit = applicant_of(project.organisation)
    with nothing_changed():
        r = api(unit).post(
            f"/api/projects/contracts/{contract['id']}/sign/", {"signatory": ""}, format="json"
        )
    assert r.status_code == 400 and r.json()["errors"] == {"signatory": ["请填写签署人姓名。"]}
    r = api(unit).post(
        f"/api/projects/contracts/{contract['id']}/sign/", {"signatory": "王海涛"}, format="json"
    )
    assert r.status_code == 200 and r.json()["state"] == "unit_signed"
    assert (
        api(finance)
        .post(f"/api/projects/contracts/{contract['id']}/sign/", {"signatory": "x"}, format="json")
        .status_code
        == 403
    )
    r = api(officer_of(project.department)).post(
        f"/api/projects/contracts/{contract['id']}/sign/",
        {"signatory": "李明", "side": "owner"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["state"] == "signed" and r.json()["signed_on"]

    first = contract["tranches"][0]["id"]
    assert (
        api(office)
        .post(f"/api/projects/tranches/{first}/pay/", {"treasury_ref": "GK1"}, format="json")
        .status_code
        == 403
    )
    with nothing_changed():
        r = fin.post(
            f"/api/projects/tranches/{first}/pay/",
            {"treasury_ref": "GK1", "amount": "9999999"},
            format="json",
        )
    assert r.status_code == 400 and r.json()["code"] == "exceeds_tranche"
    with nothing_changed():
        r = fin.post(
            f"/api/projects/tranches/{first}/pay/", {"treasury_ref": "GK1", "paid_on": "明天"}, format="json"
        )
    assert r.status_code == 400 and r.json()["errors"] == {
        "paid_on": ["拨付日期“明天”不是有效的日期（格式：2026-03-01）。"]
    }
    r = fin.post(
        f"/api/projects/tranches/{first}/pay/", {"treasury_ref": "GK1", "amount": "400000"}, format="json"
    )
    assert r.status_code == 201 and r.json()["amount"] == "400000.00" and r.json()["seq"] == 1
    with nothing_changed():
        r = fin.post(f"/api/projects/tranches/{first}/pay/", {"treasury_ref": "GK1"}, format="json")
    assert r.status_code == 400 and r.json()["errors"]["treasury_ref"] == [
        "国库支付凭证号“GK1”已登记过，不能重复使用。"
    ]
    r = fin.post(f"/api/projects/tranches/{first}/pay/", {"treasury_ref": "GK2"}, format="json")
    assert r.status_code == 201 and r.json()["amount"] == "2000000.00"  # the rest of the tranche

    p = fin.get(f"/api/projects/{pid}/").json()
    assert (p["paid"], p["unpaid"], p["state"], p["contract_state"]) == (
        "2400000.00",
        "1600000.00",
        "in_progress",
        "signed",
    )
    t = fin.get(f"/api/projects/tranches/{first}/").json()
    assert (t["paid"], t["remaining"], t["overdue"]) == ("2400000.00", "0.00", False)
    payments = fin.get(f"/api/projects/payments/?project={pid}").json()["results"]
    assert [x["treasury_ref"] for x in payments] == ["GK1", "GK2"]
    c = fin.get(f"/api/projects/contracts/{contract['id']}/").json()
    assert c["tranches"][0]["paid"] == "2400000.00" and c["unit_signatory"] == "王海涛"
    assert Payment.objects.count() == 2 and Contract.objects.count() == 1


def test_lists_filter_and_scope(
    paid, running, project_b, fund_year, office, dept_officer, unit_user, expert, api
):
    emergency = make_emergency(fund_year, office, title="应急攻关项目")
    c = api(office)
    numbers = lambda url, client=c: [p["number"] for p in client.get(url).json()["results"]]  # noqa: E731
    assert numbers("/api/projects/") == [running.number, project_b.number, emergency.number]
    assert numbers("/api/projects/?emergency=1") == [emergency.number]
    assert numbers("/api/projects/?emergency=0&state=in_progress") == [running.number]
    assert numbers("/api/projects/?focus_area=key_rd") == [emergency.number]
    assert numbers("/api/projects/?department=industry_it") == [project_b.number]
    assert numbers(f"/api/projects/?q={running.number}&year=2026") == [running.number]
    assert numbers("/api/projects/?year=2027") == []
    row = c.get("/api/projects/").json()["results"][0]
    assert (row["paid"], row["unpaid"], row["released"], row["recovered"]) == (
        "2400000.00",
        "1600000.00",
        "0.00",
        "0.00",
    )
    assert numbers("/api/projects/", api(dept_officer)) == [running.number, emergency.number]
    assert numbers("/api/projects/", api(unit_user)) == [running.number]
    assert numbers("/api/projects/", api(expert)) == []
    assert api(unit_user).get(f"/api/projects/{project_b.pk}/").status_code == 404
    assert api(expert).get(f"/api/projects/{running.pk}/").status_code == 404
    assert api(unit_user).get("/api/projects/contracts/").json()["count"] == 1
    assert api(unit_user).get("/api/projects/payments/").json()["count"] == 1
    assert api(factories.user("applicant")).get("/api/projects/payments/").json()["count"] == 0
    assert api(unit_user).get(f"/api/projects/payments/{paid.pk}/").status_code == 200
    assert api(expert).get(f"/api/projects/payments/{paid.pk}/").status_code == 404
    assert api(expert).get("/api/projects/tranches/").json()["count"] == 0
    assert api().get("/api/projects/").status_code in (401, 403)
    assert Decimal(row["amount"]) == running.amount
