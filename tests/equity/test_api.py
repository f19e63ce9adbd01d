"""The API calls the same services: register, propose and confirm an exit, refusals as 400 with the
service's message, 403 for the wrong role."""

from decimal import Decimal

from rest_framework.test import APIClient

from tests.equity.conftest import CAP, VEHICLE, VEHICLE_USCC, nothing_saved, pay


def client_for(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_register_and_exit_over_the_api(eq_project, office, finance):
    body = {
        "project": eq_project.pk,
        "instrument": "direct",
        "vehicle_name": VEHICLE,
        "vehicle_uscc": VEHICLE_USCC,
        "amount": "2000000.00",
        "agreement_ref": "API-1",
        "pre_money_valuation": "8000000.00",
        "cap_table": CAP,
        "evidence": "股东名册",
        "stages": [{"amount": "2000000.00", "condition": "签约后"}],
    }
    with nothing_saved():
        r = client_for(office).post(
            "/api/equity/investments/",
            {
                **body,
                "pre_money_valuation": "5000000.00",
                "cap_table": [
                    {"name": "创始人王海", "share": "0.40"},
                    {"name": "员工持股平台", "share": "0.30"},
                ],
            },
            format="json",
        )
    assert r.status_code == 400 and r.json()["code"] == "stake_refused"
    assert "持股比例 28.5714% 超过上限 25%" in r.json()["detail"]  # 2,000,000 / 7,000,000
    assert client_for(finance).post("/api/equity/investments/", body, format="json").status_code == 403
    r = client_for(office).post("/api/equity/investments/", body, format="json")
    assert r.status_code == 201, r.json()
    inv = r.json()
    assert inv["share"] == "0.200000" and len(inv["stages"]) == 1
    from techfund.equity.models import Investment

    pay(Investment.objects.get(pk=inv["id"]).stages.get(), finance)
    r = client_for(office).post(
        f"/api/equity/investments/{inv['id']}/exit/",
        {"kind": "buy_back", "proceeds": "2100000.00", "reason": "回购", "basis": "协议"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    ex = r.json()
    r = client_for(finance).post(
        f"/api/equity/exits/{ex['id']}/decide/", {"decision": "concur", "bank_ref": "YH-API"}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert (r.json()["principal"], r.json()["gain"], r.json()["loss"]) == ("2000000.00", "100000.00", "0.00")
    assert Decimal(
        client_for(office).get(f"/api/equity/investments/{inv['id']}/").json()["amount"]
    ) == Decimal("2000000.00")
