"""Every role × every page and endpoint of this stage × an in-scope record, over HTTP: 200 where the
role sees it, 404 outside its scope (as if it did not exist), 403 for an action it may not take."""

from rest_framework.test import APIClient

from techfund.sanctions import services
from tests.sanctions.conftest import DEADLINE

SEES = {"office", "leader", "finance", "auditor", "dept_officer", "unit_user"}
#: Roles with sanctions pages but nothing of project A in scope.
OTHERS = {"other_officer", "other_unit_user"}
NOBODY = {"expert", "sysadmin"}


def test_pages_and_endpoints_by_role(request, paid, project, office, finance):
    order = services.propose_sanction(project, actor=office, kind="suspend", reason="x", basis="y")
    rec = services.issue_recovery(
        project, actor=office, amount="1000", reason="x", basis="y", deadline=DEADLINE
    )
    services.decide_recovery(rec, actor=finance, decision="concur")
    receipt = services.record_receipt(rec, actor=finance, amount="10", treasury_ref="JK-1")
    # each list page and the record it shows to those who see project A
    lists = {
        "/sanctions/": order.number,
        "/sanctions/orders/": order.number,
        "/sanctions/recoveries/": rec.number,
    }
    details = [f"/sanctions/orders/{order.pk}/", f"/sanctions/recoveries/{rec.pk}/"]
    api_details = [
        f"/api/sanctions/orders/{order.pk}/",
        f"/api/sanctions/recoveries/{rec.pk}/",
        f"/api/sanctions/receipts/{receipt.pk}/",
    ]
    forms = {
        f"/sanctions/projects/{project.pk}/propose/": {"office"},
        f"/sanctions/projects/{project.pk}/recover/": {"office"},
    }
    for name in sorted(SEES | OTHERS | NOBODY):
        user = request.getfixturevalue(name)
        web = request.getfixturevalue("client")
        web.force_login(user)
        api = APIClient()
        api.force_authenticate(user)
        for url, marker in lists.items():
            r = web.get(url)
            assert r.status_code == (404 if name in NOBODY else 200), (name, url, r.status_code)
            assert (marker in r.content.decode()) is (name in SEES), (name, url)
        for url in details + api_details:
            got = (api if url.startswith("/api/") else web).get(url).status_code
            assert got == (200 if name in SEES else 404), (name, url, got)
        for url, allowed in forms.items():
            got = web.get(url).status_code
            assert got == (200 if name in allowed else 403 if name in SEES else 404), (name, url, got)
        for url in ("/api/sanctions/orders/", "/api/sanctions/recoveries/", "/api/sanctions/receipts/"):
            data = api.get(url).json()["results"]
            assert (len(data) == 1) is (name in SEES), (name, url)
        web.logout()
    anonymous = request.getfixturevalue("client")
    assert anonymous.get("/sanctions/").status_code == 302
    assert APIClient().get("/api/sanctions/orders/").status_code in (401, 403)
