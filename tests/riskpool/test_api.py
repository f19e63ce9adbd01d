"""The API acts through the same services: refusals answer 400 with the service's messages."""

from rest_framework.test import APIClient

from techfund.riskpool.enums import ClaimState
from tests.riskpool.conftest import claim


def client_for(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_loan_refused_then_claim_steps(pool, office, office2, st_officer, borrower, finance):
    api = client_for(office)
    body = {
        "pool": pool.pk,
        "borrower_uscc": borrower.uscc,
        "contract_number": "API-1",
        "principal": "12000000.00",
        "rate": "4.35",
        "benchmark_rate": "3.45",
        "benchmark_basis": "LPR",
        "start_date": "2026-01-15",
        "term_months": 36,
        "guarantee_type": "credit",
        "evidence": "合同",
    }
    r = api.post("/api/riskpool/loans/", body, format="json")
    assert r.status_code == 400 and r.json()["code"] == "loan_ineligible"
    assert "超过每家企业上限 10,000,000.00 元" in r.json()["errors"]["principal"][0]
    r = api.post("/api/riskpool/loans/", {**body, "principal": "1000000.00"}, format="json")
    assert r.status_code == 201
    loan_id = r.json()["id"]
    for m in range(1, 7):
        r = api.post(
            f"/api/riskpool/loans/{loan_id}/filings/",
            {"month": f"2026-{m:02d}-01", "outstanding": "1000000.00", "filed_on": f"2026-{m + 1:02d}-05"},
            format="json",
        )
        assert r.status_code == 201, r.json()
    assert len(r.json()["filings"]) == 6
    r = api.post(
        "/api/riskpool/claims/",
        {"loan": loan_id, "default_date": "2026-06-18", "loss": "1000000.00", "evidence": "材料"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["compensation"] == "300000.00"
    cid = r.json()["id"]
    r = api.post(f"/api/riskpool/claims/{cid}/review/", {"decision": "approve"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "same_person"
    assert (
        client_for(office2)
        .post(f"/api/riskpool/claims/{cid}/review/", {"decision": "approve"}, format="json")
        .status_code
        == 200
    )
    assert (
        client_for(finance)
        .post(f"/api/riskpool/claims/{cid}/approve/", {"decision": "approve"}, format="json")
        .status_code
        == 403
    )
    r = client_for(st_officer).post(
        f"/api/riskpool/claims/{cid}/approve/", {"decision": "approve"}, format="json"
    )
    assert r.status_code == 200 and r.json()["state"] == ClaimState.APPROVED
    r = client_for(finance).get(f"/api/riskpool/pools/{pool.pk}/")
    assert r.json()["balance"] == "3000000.00" and r.json()["funded"] == "3000000.00"


def test_pool_fund_endpoint(pool, finance, office):
    r = client_for(finance).post(
        f"/api/riskpool/pools/{pool.pk}/fund/", {"amount": "100000.00"}, format="json"
    )
    assert r.status_code == 201 and r.json()["balance"] == "3100000.00"
    r = client_for(office).post(f"/api/riskpool/pools/{pool.pk}/fund/", {"amount": "1"}, format="json")
    assert r.status_code == 403


def test_recovery_endpoint_refuses_unpaid(filed, office, finance):
    c = claim(filed, office, loss="100000.00")
    r = client_for(finance).post(
        f"/api/riskpool/claims/{c.pk}/recoveries/",
        {"amount": "1", "recovered_on": "2026-07-20", "evidence": "x"},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "claim_not_paid"
