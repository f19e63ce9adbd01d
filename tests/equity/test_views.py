"""The pages act through the services: registering (with a refused stake shown on the form, nothing
saved), converting, proposing and confirming an exit; home-page tiles."""

from decimal import Decimal

from techfund.equity.models import Exit, Investment
from tests.equity.conftest import VEHICLE, VEHICLE_USCC, pay


def post_register(client, project, **kw):
    data = {
        "instrument": "direct",
        "vehicle_name": VEHICLE,
        "vehicle_uscc": VEHICLE_USCC,
        "amount": "2000000.00",
        "agreement_ref": "RZKC-TZ-2026-009",
        "pre_money_valuation": "8000000.00",
        "share_percent": "",
        "cap_table_text": "创始人王海, 45\n员工持股平台, 20\n天使投资基金, 15",
        "evidence": "股东名册",
        "stages_text": "1200000.00, 协议签订后, 2026-11-01\n800000.00, 样机验收后",
        "note": "",
    }
    data.update(kw)
    return client.post(f"/equity/projects/{project.pk}/register/", data)


def test_register_page(client, eq_project, office):
    client.force_login(office)
    assert client.get(f"/equity/projects/{eq_project.pk}/register/").status_code == 200
    r = post_register(client, eq_project, pre_money_valuation="", share_percent="27.5")
    assert r.status_code == 200
    assert "持股比例 27.50% 超过上限 25%" in r.content.decode()
    assert not Investment.objects.exists()
    r = post_register(client, eq_project)
    inv = Investment.objects.get()
    assert r.status_code == 302 and r.url == f"/equity/{inv.pk}/"
    assert inv.share == Decimal("0.200000") and inv.stages.count() == 2
    page = client.get(f"/equity/{inv.pk}/").content.decode()
    assert "20.00%" in page and "创始人王海" in page


def test_exit_pages(client, direct, office, finance):
    for s in direct.stages.order_by("seq"):
        pay(s, finance)
    client.force_login(office)
    r = client.post(
        f"/equity/{direct.pk}/exit/",
        {"kind": "sale", "proceeds": "1234567.89", "counterparty": "", "reason": "出售", "basis": "纪要"},
    )
    assert r.status_code == 302
    ex = Exit.objects.get()
    client.force_login(finance)
    page = client.get(f"/equity/{direct.pk}/").content.decode()
    assert "财政部门确认退出所得到账" in page
    r = client.post(f"/equity/exits/{ex.pk}/decide/", {"decision": "concur", "bank_ref": "", "opinion": ""})
    assert r.status_code == 200 and "请填写银行到账凭证号" in r.content.decode()
    r = client.post(
        f"/equity/exits/{ex.pk}/decide/", {"decision": "concur", "bank_ref": "YH-77", "opinion": ""}
    )
    assert r.status_code == 302
    ex.refresh_from_db()
    assert (ex.state, ex.loss) == ("confirmed", Decimal("765432.11"))
    # the office may not confirm (403)
    client.force_login(office)
    assert client.post(f"/equity/exits/{ex.pk}/decide/", {"decision": "concur"}).status_code == 403


def test_conversion_page(client, ite_paid, office):
    client.force_login(office)
    r = client.post(
        f"/equity/{ite_paid.pk}/convert/",
        {
            "round_name": "A轮融资",
            "post_money_valuation": "16000000.00",
            "round_date": "2026-11-10",
            "amount": "",
            "cap_table_text": "创始人王海, 42\nA轮领投基金, 22",
            "evidence": "增资协议",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    ite_paid.refresh_from_db()
    assert ite_paid.share == Decimal("0.187500")


def test_home_tiles(client, eq_project, office, finance, investee):
    client.force_login(office)
    assert "股权投资项目待登记投资协议" in client.get("/").content.decode()
    from tests.equity.conftest import register_direct

    inv = register_direct(eq_project, office)
    client.force_login(finance)
    assert "股权投资出资待拨付" in client.get("/").content.decode()
    client.force_login(investee)
    assert inv.number in client.get("/").content.decode()
