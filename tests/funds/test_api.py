"""The REST API: same services, same scope (404), same refusals (400 {detail, code, errors}), 403."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from techfund.funds.models import Contribution, Framework
from tests.funds.conftest import contribute, nothing_saved


@pytest.fixture
def api():
    def as_user(user):
        c = APIClient()
        c.force_authenticate(user)
        return c

    return as_user


# ---------------------------------------------------------------- fund years


def test_fund_years_list_and_detail_flag_a_small_pool(fund_year, office, api):
    contribute(fund_year, office, "st_innovation", "150000000.00")
    c = api(office)
    (row,) = c.get("/api/funds/years/").json()["results"]
    assert row["year"] == fund_year.year and row["contributed_total"] == "150000000.00"
    assert row["below_minimum_scale"] is True
    assert row["minimum_scale_message"].startswith("本年度已入池资金 150,000,000.00 元，低于")
    body = c.get(f"/api/funds/years/{fund_year.year}/").json()
    s = body["summary"]
    assert s["below_minimum_scale"] is True and s["min_annual_scale"] == "200000000.00"
    assert s["pool_unallocated"] == "150000000.00" and s["reconciliation"]["ok"] is True
    assert s["by_source"][0] == {
        "code": "st_innovation",
        "name": "科技创新类资金",
        "amount": "150000000.00",
        "department": "市科学技术局",
        "own_procedure": False,
        "procedure_owner": "",
    }


def test_open_fund_year(rizhao, office, leader, api):
    with nothing_saved():
        assert api(leader).post("/api/funds/years/", {"year": rizhao.year}, format="json").status_code == 403
        r = api(office).post("/api/funds/years/", {"year": "二〇二六"}, format="json")
        assert r.status_code == 400 and "year" in r.json()
        r = api(office).post("/api/funds/years/", {"year": 1900}, format="json")
        assert r.status_code == 400
        assert r.json() == {
            "detail": "年度必须是 2000 到 2100 之间的整数，收到“1900”。",
            "code": "year_invalid",
            "errors": {"year": ["年度必须是 2000 到 2100 之间的整数，收到“1900”。"]},
        }
    r = api(office).post("/api/funds/years/", {"year": rizhao.year}, format="json")
    assert r.status_code == 201 and r.json()["summary"]["contributed_total"] == "0.00"
    with nothing_saved():
        r = api(office).post("/api/funds/years/", {"year": rizhao.year}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "fund_year_exists"


@pytest.mark.parametrize("who", ["applicant", "expert"])
def test_outsiders_see_no_fund(submitted, funded, who, request, api):
    c = api(request.getfixturevalue(who))
    assert c.get("/api/funds/years/").json()["results"] == []
    assert c.get("/api/funds/contributions/").json()["results"] == []
    assert c.get("/api/funds/frameworks/").json()["results"] == []
    assert c.get(f"/api/funds/years/{funded.year}/").status_code == 404
    assert c.get(f"/api/funds/frameworks/{submitted.pk}/").status_code == 404
    contribution = funded.contributions.first()
    assert c.get(f"/api/funds/contributions/{contribution.pk}/").status_code == 404
    with nothing_saved():
        body = {"year": funded.year, "source_type": "st_innovation", "amount": "1.00"}
        assert c.post("/api/funds/contributions/", body, format="json").status_code == 404
        assert c.post(f"/api/funds/contributions/{contribution.pk}/void/", {"reason": "x"}).status_code == 404
        body = {"year": funded.year, "allocations": {"platforms": "1.00"}}
        assert c.post("/api/funds/frameworks/", body, format="json").status_code == 404
        for verb in ("submit", "approve", "return"):
            r = c.post(f"/api/funds/frameworks/{submitted.pk}/{verb}/", {"reason": "x"}, format="json")
            assert r.status_code == 404
            assert r.json() == {"detail": "未找到。"}


# ---------------------------------------------------------------- contributions


def test_record_contribution(fund_year, office, api):
    r = api(office).post(
        "/api/funds/contributions/",
        {
            "year": fund_year.year,
            "source_type": "central_st",
            "amount": 1234.5,
            "document_ref": "财教〔2026〕1号",
        },
        format="json",
    )
    assert r.status_code == 201
    body = r.json()
    assert (
        body["amount"] == "1234.50"
        and body["level"] == "central"
        and body["department"] == "science_technology"
    )
    assert body["state"] == "recorded" and body["entry"]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "金额必须大于零。"),
        (0, "金额必须大于零。"),
        ("0.001", "金额最多保留两位小数（到分）：0.001。"),
        ("many", "金额“many”不是有效的数字。"),
    ],
)
def test_record_contribution_bad_amount(fund_year, office, api, amount, message):
    with nothing_saved():
        r = api(office).post(
            "/api/funds/contributions/",
            {"year": fund_year.year, "source_type": "st_innovation", "amount": amount},
            format="json",
        )
    assert r.status_code == 400
    assert r.json()["detail"] == message and r.json()["errors"] == {"amount": [message]}


def test_record_contribution_bad_shape_and_foreign_source(fund_year, office, api):
    c = api(office)
    with nothing_saved():
        r = c.post("/api/funds/contributions/", {"year": fund_year.year}, format="json")
        assert r.status_code == 400 and set(r.json()) == {"source_type", "amount"}
        r = c.post(
            "/api/funds/contributions/",
            {"year": fund_year.year, "source_type": "lottery", "amount": "1.00"},
            format="json",
        )
        assert r.status_code == 400
        assert r.json()["detail"] == f"资金来源“lottery”不属于 {fund_year.year} 年度的政策配置。"
        r = c.post(
            "/api/funds/contributions/", {"year": 1999, "source_type": "x", "amount": "1"}, format="json"
        )
        assert r.status_code == 404


def test_contributions_are_scoped_to_the_officers_department(funded, st_officer, it_officer, office, api):
    codes = {r["source_type"] for r in api(st_officer).get("/api/funds/contributions/").json()["results"]}
    assert codes == {"st_innovation", "provincial_st"}
    it = funded.contributions.get(source_type__code="technical_renovation")
    assert api(st_officer).get(f"/api/funds/contributions/{it.pk}/").status_code == 404
    with nothing_saved():
        assert (
            api(st_officer).post(f"/api/funds/contributions/{it.pk}/void/", {"reason": "x"}).status_code
            == 404
        )
        r = api(it_officer).post(f"/api/funds/contributions/{it.pk}/void/", {"reason": "x"})
        assert r.status_code == 403 and r.json() == {"detail": "您没有执行该操作的权限。"}
    assert len(api(office).get(f"/api/funds/contributions/?year={funded.year}").json()["results"]) == 3


def test_void_contribution(funded, office, api):
    it = funded.contributions.get(source_type__code="technical_renovation")
    c = api(office)
    with nothing_saved():
        r = c.post(f"/api/funds/contributions/{it.pk}/void/", {}, format="json")
    assert r.status_code == 400 and r.json()["detail"] == "冲销资金须说明理由。"
    r = c.post(f"/api/funds/contributions/{it.pk}/void/", {"reason": "更正"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "voided" and r.json()["void_reason"] == "更正"
    with nothing_saved():
        r = c.post(f"/api/funds/contributions/{it.pk}/void/", {"reason": "再次"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "contribution_already_voided"
    assert c.get("/api/funds/contributions/?state=voided").json()["count"] == 1


# ---------------------------------------------------------------- frameworks


def test_framework_lifecycle(funded, office, leader, api):
    c = api(office)
    r = c.post(
        "/api/funds/frameworks/",
        {"year": funded.year, "allocations": {"major_projects": "80000000.00", "key_rd": 50000000}},
        format="json",
    )
    assert r.status_code == 201, r.json()
    fw = r.json()
    assert fw["number"] == 1 and fw["state"] == "draft" and fw["total"] == "130000000.00"
    assert fw["equity_pilot_share"] == "0.1000"
    url = f"/api/funds/frameworks/{fw['id']}/"

    r = c.patch(url, {"equity_pilot_share": "0.2", "note": "调整"}, format="json")
    assert (
        r.status_code == 200
        and r.json()["equity_pilot_share"] == "0.2000"
        and r.json()["total"] == "130000000.00"
    )
    r = c.put(url, {"allocations": {"major_projects": "90000000.00"}}, format="json")
    assert r.status_code == 200 and r.json()["total"] == "90000000.00"

    assert c.post(url + "submit/").json()["state"] == "submitted"
    with nothing_saved():
        assert c.post(url + "approve/").status_code == 403
        r = api(leader).post(url + "return/", {"reason": ""}, format="json")
        assert r.status_code == 400 and r.json()["errors"] == {"reason": ["请填写理由。"]}
        r = c.put(url, {"allocations": {"major_projects": "1.00"}}, format="json")
        assert r.status_code == 400 and r.json()["code"] == "framework_not_editable"
    r = api(leader).post(url + "approve/", {"reason": "同意"}, format="json")
    assert r.status_code == 200
    body = r.json()
    assert body["state"] == "approved" and body["decision_reason"] == "同意"
    assert body["allocations"][0]["focus_area"] == "major_projects" and body["allocations"][0]["entry"]
    s = api(leader).get(f"/api/funds/years/{funded.year}/").json()["summary"]
    assert s["pool_unallocated"] == "160000000.00" and s["allocated_total"] == "90000000.00"
    with nothing_saved():
        r = api(leader).post(url + "approve/", format="json")
    assert r.status_code == 400 and r.json()["detail"] == "当前状态为“已审定”，不能变更为“已审定”。"
    assert Framework.objects.get().state == "approved"


def test_framework_refusals(funded, office, api):
    c = api(office)
    with nothing_saved():
        r = c.post(
            "/api/funds/frameworks/",
            {"year": funded.year, "allocations": {"major_projects": "250000000.01"}},
            format="json",
        )
        assert r.status_code == 400
        msg = "框架配置合计 250,000,000.01 元，超过资金池未分配余额 250,000,000.00 元。"
        assert r.json() == {"detail": msg, "code": "framework_exceeds_pool", "errors": {"allocations": [msg]}}
        r = c.post(
            "/api/funds/frameworks/",
            {"year": funded.year, "allocations": {"key_rd": "1.999", "mars": "1"}, "equity_pilot_share": "x"},
            format="json",
        )
        assert r.status_code == 400
        assert set(r.json()["errors"]) == {"allocations", "allocations.key_rd", "equity_pilot_share"}
        r = c.post("/api/funds/frameworks/", {"year": funded.year, "allocations": "all"}, format="json")
        assert r.status_code == 400 and "allocations" in r.json()


def test_a_department_officer_reads_frameworks_but_may_not_act(submitted, st_officer, api):
    c = api(st_officer)
    assert c.get(f"/api/funds/frameworks/{submitted.pk}/").json()["state"] == "submitted"
    with nothing_saved():
        for verb in ("submit", "approve", "return"):
            assert c.post(f"/api/funds/frameworks/{submitted.pk}/{verb}/", {"reason": "x"}).status_code == 403


def test_frameworks_filter_by_year_and_state(approved, funded, api, auditor):
    c = api(auditor)
    assert c.get(f"/api/funds/frameworks/?year={funded.year}&state=approved").json()["count"] == 1
    assert c.get("/api/funds/frameworks/?state=draft").json()["count"] == 0
    assert c.get(f"/api/funds/frameworks/?year={funded.year - 1}").json()["count"] == 0


def test_the_schema_documents_the_fund_api(db, client):
    r = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in (
        "/api/funds/years/",
        "/api/funds/years/{year}/",
        "/api/funds/contributions/",
        "/api/funds/contributions/{id}/void/",
        "/api/funds/frameworks/",
        "/api/funds/frameworks/{id}/",
        "/api/funds/frameworks/{id}/submit/",
        "/api/funds/frameworks/{id}/approve/",
        "/api/funds/frameworks/{id}/return/",
    ):
        assert path in paths, path
    approve = paths["/api/funds/frameworks/{id}/approve/"]["post"]
    assert set(approve["responses"]) >= {"200", "400", "403", "404"}


def test_contribution_amounts_are_decimal_strings(funded, api, finance):
    rows = api(finance).get("/api/funds/contributions/").json()["results"]
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal("250000000.00")
    assert Contribution.objects.count() == 3
