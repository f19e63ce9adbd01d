"""The REST API of 贷款贴息 calls the same services as the pages: the enterprise registers a loan and
its records, previews and files a claim; refusals answer 400 with the service's message."""

from rest_framework.test import APIClient

from tests.subsidies.conftest import AMOUNT_2025, QUARTERS_2025, nothing_saved


def test_enterprise_flow_over_the_api(sub_project, unit, dept, rates):
    api = APIClient()
    api.force_authenticate(unit)
    r = api.post(
        "/api/subsidies/loans/",
        {
            "project": sub_project.pk,
            "bank": "日照银行",
            "contract_number": "API-1",
            "principal": "10000000.00",
            "annual_rate": "4.20",
            "start_date": "2025-01-01",
            "maturity_date": "2027-01-01",
            "purpose": "研发",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    loan = r.json()["id"]
    r = api.post(
        f"/api/subsidies/loans/{loan}/drawdowns/", {"drawn_on": "2025-01-01", "amount": "10000000.00"}
    )
    assert r.status_code == 200 and r.json()["drawdowns"][0]["amount"] == "10000000.00"
    with nothing_saved():
        r = api.post(f"/api/subsidies/loans/{loan}/drawdowns/", {"drawn_on": "2025-02-01", "amount": "5.00"})
    assert r.status_code == 400 and r.json()["code"] == "drawdown_invalid" and "amount" in r.json()["errors"]
    for i, (a, b, amount, paid_on) in enumerate(QUARTERS_2025):
        r = api.post(
            f"/api/subsidies/loans/{loan}/interest/",
            {
                "period_start": a,
                "period_end": b,
                "amount": amount,
                "paid_on": paid_on,
                "receipt_ref": f"A{i}",
            },
        )
        assert r.status_code == 200, r.json()
    period = {"period_start": "2025-01-01", "period_end": "2025-12-31"}
    r = api.post(f"/api/subsidies/loans/{loan}/preview/", period)
    assert r.status_code == 200 and r.json()["amount"] == str(AMOUNT_2025)
    assert [s["amount"] for s in r.json()["breakdown"]["segments"]] == ["47877.78", "75333.33"]
    r = api.post("/api/subsidies/claims/", {"loan": loan, **period})
    assert r.status_code == 201 and r.json()["state"] == "draft" and r.json()["amount"] == str(AMOUNT_2025)
    claim = r.json()["id"]
    r = api.post(f"/api/subsidies/claims/{claim}/submit/")
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    dept_api = APIClient()
    dept_api.force_authenticate(dept)
    r = dept_api.post(f"/api/subsidies/claims/{claim}/verify/", {"decision": "reject", "opinion": ""})
    assert r.status_code == 400 and "opinion" in r.json()["errors"]
    r = dept_api.post(f"/api/subsidies/claims/{claim}/verify/", {"decision": "concur"})
    assert r.status_code == 200 and r.json()["state"] == "verified"
    assert APIClient().get("/api/subsidies/rates/").status_code in (401, 403)
    assert len(api.get("/api/subsidies/rates/").json()["results"]) == 11
