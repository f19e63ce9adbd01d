"""Every role × every page and endpoint of the treasury × an in-scope record, over HTTP: 200 where the
role sees it, 404 outside its scope (as if it did not exist), 403 for an action it may not take."""

import pytest
from rest_framework.test import APIClient

from techfund.core.enums import Role
from techfund.treasury import services
from tests import factories
from tests.treasury.conftest import confirmation_csv, paid_row

READERS = {"office", "leader", "finance", "auditor"}
#: See A's instruction: the fund's readers, A's managing department, A's unit.
SEES = READERS | {"dept_officer", "unit_user"}
#: Have instruction pages but nothing of A in scope.
OTHERS = {"other_officer", "other_unit_user"}
NOBODY = {"expert", "sysadmin"}


@pytest.fixture
def other_unit_user(db):
    return factories.user(Role.APPLICANT)


@pytest.fixture
def other_officer(db):
    return factories.user(Role.DEPARTMENT)


def test_pages_and_endpoints_by_role(request, sent, instructed, project, contract, account, finance):
    imp = services.import_confirmations(sent, confirmation_csv([paid_row(instructed, "GK-S")]), actor=finance)
    org = project.organisation
    tranche2 = contract.tranches.get(seq=2)
    pages = {
        # url: who gets 200 (others who have the page 404)
        "/treasury/": READERS,
        f"/treasury/instructions/{instructed.pk}/": SEES,
        f"/treasury/batches/{sent.pk}/": READERS,
        f"/treasury/batches/{sent.pk}/reconciliation.xlsx": READERS,
        f"/treasury/imports/{imp.pk}/": READERS,
        f"/treasury/accounts/{org.pk}/": READERS | {"unit_user"},
        f"/api/treasury/instructions/{instructed.pk}/": SEES,
        f"/api/treasury/batches/{sent.pk}/": READERS,
        f"/api/treasury/batches/{sent.pk}/reconciliation/": READERS,
        f"/api/treasury/accounts/{account.pk}/": READERS | {"unit_user"},
    }
    lists = {
        "/treasury/instructions/": (SEES | OTHERS, SEES, instructed.number),
        "/api/treasury/instructions/": (SEES | OTHERS | NOBODY, SEES, instructed.number),
        "/api/treasury/batches/": (SEES | OTHERS | NOBODY, READERS, sent.number),
        "/api/treasury/accounts/": (SEES | OTHERS | NOBODY, READERS | {"unit_user"}, account.account_number),
    }
    for name in sorted(SEES | OTHERS | NOBODY):
        user = request.getfixturevalue(name)
        web = request.getfixturevalue("client")
        web.force_login(user)
        api = APIClient()
        api.force_authenticate(user)
        for url, allowed in pages.items():
            got = (api if url.startswith("/api/") else web).get(url).status_code
            assert got == (200 if name in allowed else 404), (name, url, got)
        for url, (has_page, sees, marker) in lists.items():
            r = (api if url.startswith("/api/") else web).get(url)
            assert r.status_code == (200 if name in has_page else 404), (name, url, r.status_code)
            if r.status_code == 200:
                assert (marker in r.content.decode()) is (name in sees), (name, url)
        got = web.get(f"/projects/tranches/{tranche2.pk}/instruct/").status_code
        seen_project = name in SEES
        assert got == (200 if name == "finance" else 403 if seen_project else 404), (name, got)
        page = web.get(f"/treasury/accounts/{org.pk}/")
        if page.status_code == 200:
            assert ('name="account_number"' in page.content.decode()) is (name in {"finance", "unit_user"}), (
                name
            )
        # a finance-only action: cancelling (refused for a sent instruction, 400) — 403 for the others who see it
        got = api.post(f"/api/treasury/instructions/{instructed.pk}/cancel/", {"reason": "x"}).status_code
        assert got == (400 if name == "finance" else 403 if name in SEES else 404), (name, got)
        got = api.post("/api/treasury/batches/", {"year": project.fund_year.year}).status_code
        assert got == (400 if name == "finance" else 403), (name, got)
        web.logout()
    anonymous = request.getfixturevalue("client")
    assert anonymous.get("/treasury/").status_code == 302
    assert APIClient().get("/api/treasury/instructions/").status_code in (401, 403)
