"""Every role × the pages and endpoints of budgets × an in-scope record: 200 where the role sees it,
404 outside its scope, 403 for an action it may not take."""

from rest_framework.test import APIClient

from techfund.budgets import services
from tests.budgets.conftest import TODAY

SEES = {"office", "leader", "finance", "auditor", "dept_officer", "unit_user"}
OTHERS = {"other_officer", "other_unit_user"}
NOBODY = {"expert", "sysadmin"}


def test_pages_and_endpoints_by_role(request, paid, running, unit_user):
    adj = services.adjust_budget(
        running, actor=unit_user, amounts={"business": "1900000.00", "labour": "900000.00"}, reason="x"
    )
    e = services.record_expenditure(
        running,
        actor=unit_user,
        spent_on="2026-11-10",
        category="business",
        amount="100.00",
        voucher_no="JZ-1",
        description="x",
        today=TODAY,
    )
    details = [f"/budgets/projects/{running.pk}/", f"/budgets/adjustments/{adj.pk}/"]
    api_details = [
        f"/api/budgets/budgets/{running.budget.pk}/",
        f"/api/budgets/adjustments/{adj.pk}/",
        f"/api/budgets/expenditures/{e.pk}/",
    ]
    posts = {
        f"/budgets/projects/{running.pk}/expenditures/": {"unit_user"},
        f"/budgets/adjustments/{adj.pk}/decide/": {"dept_officer"},
    }
    for name in sorted(SEES | OTHERS | NOBODY):
        user = request.getfixturevalue(name)
        web = request.getfixturevalue("client")
        web.force_login(user)
        api = APIClient()
        api.force_authenticate(user)
        r = web.get("/budgets/")
        assert r.status_code == (404 if name in NOBODY else 200), (name, r.status_code)
        assert (running.number in r.content.decode()) is (name in SEES), name
        for url in details + api_details:
            got = (api if url.startswith("/api/") else web).get(url).status_code
            assert got == (200 if name in SEES else 404), (name, url, got)
        for url, allowed in posts.items():
            got = web.post(url, {}).status_code
            assert got == (200 if name in allowed else 403 if name in SEES else 404), (name, url, got)
        for url in ("/api/budgets/budgets/", "/api/budgets/adjustments/", "/api/budgets/expenditures/"):
            assert (len(api.get(url).json()["results"]) == 1) is (name in SEES), (name, url)
        rates = api.get("/api/budgets/rates/")
        assert rates.status_code == (404 if name in NOBODY else 200), (name, rates.status_code)
        if name not in NOBODY:
            assert (len(rates.json()["rows"]) == 1) is (name in SEES), name
        exp = web.get("/budgets/export/")
        assert exp.status_code == (404 if name in NOBODY else 200), (name, exp.status_code)
        web.logout()
    assert request.getfixturevalue("client").get("/budgets/").status_code == 302
    assert APIClient().get("/api/budgets/adjustments/").status_code in (401, 403)


def test_project_page_shows_forms_to_the_unit(client, paid, running, unit_user):
    client.force_login(unit_user)
    page = client.get(f"/budgets/projects/{running.pk}/").content.decode()
    assert "提交调剂" in page and "登记支出" in page and "导入支出明细" in page
    r = client.post(
        f"/budgets/projects/{running.pk}/adjust/",
        {
            "equipment": "800000.00",
            "business": "1900000.00",
            "labour": "900000.00",
            "indirect": "400000.00",
            "reason": "增聘",
        },
    )
    assert r.status_code == 302
    r = client.post(
        f"/budgets/projects/{running.pk}/adjust/",
        {
            "equipment": "800000.00",
            "business": "1900000.00",
            "labour": "900000.00",
            "indirect": "500000.00",
            "reason": "x",
        },
    )
    assert r.status_code == 200 and "间接费用不得调增" in r.content.decode()
