"""Every role × every page and endpoint of this stage × an in-scope investment, over HTTP: 200 where
the role sees it, 404 outside its scope (as if it did not exist), 403 for an action it may not take."""

import pytest
from rest_framework.test import APIClient

from techfund.core.enums import Role
from tests import factories

SEES = {"office", "leader", "finance", "auditor", "eq_officer", "investee"}
OTHERS = {"other_officer", "other_unit_user"}
NOBODY = {"expert", "sysadmin"}


@pytest.fixture
def other_officer(db):
    return factories.user(Role.DEPARTMENT)


@pytest.fixture
def other_unit_user(db):
    return factories.user(Role.APPLICANT)


def test_pages_and_endpoints_by_role(request, direct, eq_project, office):
    from techfund.equity import services
    from tests.equity.conftest import pay

    pay(direct.stages.get(seq=1), request.getfixturevalue("finance"))
    ex = services.propose_exit(
        direct, actor=office, kind="transfer", proceeds="1300000.00", reason="x", basis="y"
    )
    details = [f"/equity/{direct.pk}/"]
    api_details = [f"/api/equity/investments/{direct.pk}/", f"/api/equity/exits/{ex.pk}/"]
    forms = {f"/equity/projects/{eq_project.pk}/register/": {"office"}}
    for name in sorted(SEES | OTHERS | NOBODY):
        user = request.getfixturevalue(name)
        web = request.getfixturevalue("client")
        web.force_login(user)
        api = APIClient()
        api.force_authenticate(user)
        r = web.get("/equity/")
        assert r.status_code == (404 if name in NOBODY else 200), (name, r.status_code)
        assert (direct.number in r.content.decode()) is (name in SEES), name
        for url in details:
            got = web.get(url).status_code
            assert got == (200 if name in SEES else 404), (name, url, got)
        for url in api_details:
            got = api.get(url).status_code
            assert got == (200 if name in SEES else 404), (name, url, got)
        for url, allowed in forms.items():
            got = web.get(url).status_code
            assert got == (200 if name in allowed else 403 if name in SEES else 404), (name, url, got)
        for url in ("/api/equity/investments/", "/api/equity/exits/"):
            data = api.get(url).json()["results"]
            assert (len(data) == 1) is (name in SEES), (name, url)
        export = web.get("/equity/export/").status_code
        readers = {"office", "leader", "finance", "auditor"}
        assert export == (200 if name in readers else 404 if name in NOBODY else 403), (name, export)
        # the pilot share is for the fund's readers only
        assert ("试点比例" in r.content.decode()) is (name in readers), name
        web.logout()
    anonymous = request.getfixturevalue("client")
    assert anonymous.get("/equity/").status_code == 302
    assert APIClient().get("/api/equity/investments/").status_code in (401, 403)
