"""Every role × every page and endpoint of risk compensation × an in-scope record, over HTTP: 200 where
the role sees it, 404 outside its scope (as if it did not exist), 403 for an action it may not take."""

import pytest
from rest_framework.test import APIClient

from techfund.core.enums import Role
from tests import factories
from tests.riskpool.conftest import claim

READERS = {"office", "leader", "finance", "auditor"}
POOL_SEERS = READERS | {"st_officer"}
LOAN_SEERS = POOL_SEERS | {"borrower_user"}
#: Roles with risk compensation pages but nothing of this pool in scope.
OTHERS = {"other_officer", "other_applicant"}
NOBODY = {"expert", "sysadmin"}
EVERYONE = LOAN_SEERS | OTHERS | NOBODY
APPLICANTS = {"borrower_user", "other_applicant"}


@pytest.fixture
def borrower_user(borrower):
    return factories.user(Role.APPLICANT, organisation=borrower)


@pytest.fixture
def other_applicant(db):
    return factories.user(Role.APPLICANT)


def expected(name, seers, *, allowed=(), pages=True):
    """200 for those allowed (or for every seer when ``allowed`` is empty), 403 for other seers, 404 else."""
    if name not in seers:
        return 404
    if allowed and name not in allowed:
        return 403
    return 200


def test_pages_and_endpoints_by_role(request, filed, office, pool):
    c = claim(filed, office, loss="100000.00")
    lists = {
        "/riskpool/": (pool.bank.organisation.name, POOL_SEERS),
        "/riskpool/loans/": (filed.contract_number, LOAN_SEERS),
    }
    details = {
        f"/riskpool/pools/{pool.pk}/": POOL_SEERS,
        f"/riskpool/loans/{filed.pk}/": LOAN_SEERS,
        f"/riskpool/claims/{c.pk}/": POOL_SEERS,
        f"/api/riskpool/pools/{pool.pk}/": POOL_SEERS,
        f"/api/riskpool/loans/{filed.pk}/": LOAN_SEERS,
        f"/api/riskpool/claims/{c.pk}/": POOL_SEERS,
    }
    forms = {
        f"/riskpool/pools/{pool.pk}/loans/new/": (POOL_SEERS, {"office"}),
        f"/riskpool/loans/{filed.pk}/claim/": (LOAN_SEERS, {"office"}),
        "/riskpool/export/": (LOAN_SEERS | OTHERS, READERS),
        "/riskpool/banks/new/": (POOL_SEERS | {"other_officer"}, {"office"}),
        "/riskpool/pools/new/": (POOL_SEERS | {"other_officer"}, {"finance"}),
    }
    api_lists = {
        "/api/riskpool/pools/": POOL_SEERS,
        "/api/riskpool/loans/": LOAN_SEERS,
        "/api/riskpool/claims/": POOL_SEERS,
    }
    for name in sorted(EVERYONE):
        user = request.getfixturevalue(name)
        web = request.getfixturevalue("client")
        web.force_login(user)
        api = APIClient()
        api.force_authenticate(user)
        for url, (marker, seers) in lists.items():
            r = web.get(url)
            assert r.status_code == (404 if name in NOBODY else 200), (name, url, r.status_code)
            assert (marker in r.content.decode()) is (name in seers), (name, url)
        r = web.get("/riskpool/claims/")
        assert r.status_code == (404 if name in NOBODY | APPLICANTS else 200), (name, r.status_code)
        assert (c.number in r.content.decode()) is (name in POOL_SEERS), name
        for url, seers in details.items():
            got = (api if url.startswith("/api/") else web).get(url).status_code
            assert got == (200 if name in seers else 404), (name, url, got)
        for url, (seers, allowed) in forms.items():
            got = web.get(url).status_code
            assert got == expected(name, seers, allowed=allowed), (name, url, got)
        for url, seers in api_lists.items():
            data = api.get(url).json()["results"]
            assert (len(data) == 1) is (name in seers), (name, url)
        web.logout()
    anonymous = request.getfixturevalue("client")
    assert anonymous.get("/riskpool/").status_code == 302
    assert APIClient().get("/api/riskpool/claims/").status_code in (401, 403)
