"""Every role × every page and endpoint of 贷款贴息 × an in-scope record, over HTTP: 200 where the role
sees it, 404 outside its scope (as if it did not exist), 403 for an action it may not take."""

from rest_framework.test import APIClient

#: Roles that see the enterprise's loan and claim.
SEES = {"office", "leader", "finance", "auditor", "dept", "unit"}
#: Roles with subsidy pages but nothing of this enterprise in scope.
OTHERS = {"other_dept", "other_unit"}
NOBODY = {"expert", "sysadmin"}


def test_pages_and_endpoints_by_role(request, draft, interest_2025, sub_project):
    loan, claim = interest_2025, draft
    lists = {
        "/subsidies/": claim.number,
        "/subsidies/claims/": claim.number,
        "/subsidies/loans/": loan.contract_number,
    }
    details = [f"/subsidies/loans/{loan.pk}/", f"/subsidies/claims/{claim.pk}/"]
    api_details = [f"/api/subsidies/loans/{loan.pk}/", f"/api/subsidies/claims/{claim.pk}/"]
    # pages that act: who may open them (others in scope: 403; out of scope: 404)
    forms = {
        f"/subsidies/projects/{sub_project.pk}/loans/new/": {"unit"},
        f"/subsidies/loans/{loan.pk}/claims/new/": {"unit"},
    }
    export_allowed = {"office", "leader", "finance", "auditor", "dept", "other_dept"}
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
        assert web.get("/subsidies/rates/").status_code == (404 if name in NOBODY else 200), name
        for url in details + api_details:
            got = (api if url.startswith("/api/") else web).get(url).status_code
            assert got == (200 if name in SEES else 404), (name, url, got)
        for url, allowed in forms.items():
            got = web.get(url).status_code
            assert got == (200 if name in allowed else 403 if name in SEES else 404), (name, url, got)
        for url in ("/api/subsidies/loans/", "/api/subsidies/claims/"):
            data = api.get(url).json()["results"]
            assert (len(data) == 1) is (name in SEES), (name, url)
        got = web.get("/subsidies/export/").status_code
        assert got == (200 if name in export_allowed else 404 if name in NOBODY else 403), (name, got)
        # the department's step on a draft: only the managing department may try (then the state refuses)
        got = api.post(f"/api/subsidies/claims/{claim.pk}/verify/", {"decision": "concur"}).status_code
        assert got == (400 if name == "dept" else 403 if name in SEES else 404), (name, got)
        web.logout()
    anonymous = request.getfixturevalue("client")
    assert anonymous.get("/subsidies/").status_code == 302
    assert APIClient().get("/api/subsidies/claims/").status_code in (401, 403)
