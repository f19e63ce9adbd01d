"""Every role × every page and endpoint × in-scope and out-of-scope objects, over HTTP.

One table says what each role gets: 200 (sees it), 404 (outside its scope: as if it did not exist),
302 (anonymous: sent to the login page). Each app also tests its own actions' 403s; this file is the
cross-cutting check that no page or endpoint shows anything to a role outside its scope.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from techfund.core.enums import Role
from techfund.core.models import Department
from techfund.funds import services as funds
from tests import factories

ROLES = [
    "office",
    "leader",
    "finance",
    "auditor",
    "officer_st",
    "officer_ocean",
    "applicant_a",
    "applicant_b",
    "expert",
    "sysadmin",
    "secadmin",
    "auditadmin",
]
GOV = {"office", "leader", "finance", "auditor"}
OFFICERS = {"officer_st", "officer_ocean"}


@pytest.fixture
def world(rizhao):
    st = Department.objects.get(code="science_technology")
    ocean = Department.objects.get(code="ocean")
    org_a, org_b = factories.organisation(), factories.organisation()
    users = {
        "office": factories.user(Role.OFFICE),
        "leader": factories.user(Role.LEADING_GROUP),
        "finance": factories.user(Role.FINANCE),
        "auditor": factories.user(Role.AUDITOR),
        "officer_st": factories.user(Role.DEPARTMENT, department=st),
        "officer_ocean": factories.user(Role.DEPARTMENT, department=ocean),
        "applicant_a": factories.user(Role.APPLICANT, organisation=org_a),
        "applicant_b": factories.user(Role.APPLICANT, organisation=org_b),
        "expert": factories.user(Role.EXPERT),
        "sysadmin": factories.user(Role.SYSADMIN),
        "secadmin": factories.user(Role.SECADMIN),
        "auditadmin": factories.user(Role.AUDITADMIN),
    }
    fy = funds.open_fund_year(actor=users["office"], year=rizhao.year)
    c_st = funds.record_contribution(
        fy, actor=users["office"], source_type="st_innovation", amount="150000000.00"
    )
    c_ocean = funds.record_contribution(
        fy, actor=users["office"], source_type="marine_economy", amount="60000000.00"
    )
    fw = funds.propose_framework(
        fy, actor=users["office"], allocations={"major_projects": Decimal("90000000.00")}
    )
    funds.submit_framework(fw, actor=users["office"])
    funds.approve_framework(fw, actor=users["leader"], reason="同意。")
    return {"users": users, "fy": fy, "fw": fw, "org_a": org_a, "c_st": c_st, "c_ocean": c_ocean}


def _expect(role: str, allowed: set[str]) -> int:
    return 200 if role in allowed else 404


# (name, url builder, roles that see it)
PAGES = [
    ("policy", lambda w: reverse("policy:active"), GOV | OFFICERS | {"sysadmin"}),
    ("fund years", lambda w: reverse("funds:year_list"), GOV | OFFICERS),
    ("fund year", lambda w: reverse("funds:year_detail", args=[w["fy"].year]), GOV | OFFICERS),
    ("framework", lambda w: reverse("funds:framework_detail", args=[w["fw"].pk]), GOV | OFFICERS),
    (
        "organisation A",
        lambda w: reverse("organisation_detail", args=[w["org_a"].pk]),
        GOV | OFFICERS | {"sysadmin", "applicant_a"},
    ),
    ("api policy", lambda w: "/api/policy/active/", GOV | OFFICERS | {"sysadmin"}),
    ("api fund year", lambda w: f"/api/funds/years/{w['fy'].year}/", GOV | OFFICERS),
    ("api framework", lambda w: f"/api/funds/frameworks/{w['fw'].pk}/", GOV | OFFICERS),
    ("api contribution st", lambda w: f"/api/funds/contributions/{w['c_st'].pk}/", GOV | {"officer_st"}),
    (
        "api contribution ocean",
        lambda w: f"/api/funds/contributions/{w['c_ocean'].pk}/",
        GOV | {"officer_ocean"},
    ),
    (
        "api organisation A",
        lambda w: f"/api/organisations/{w['org_a'].pk}/",
        GOV | OFFICERS | {"sysadmin", "applicant_a"},
    ),
]

# Role-only pages: those outside the role answer 403 or 404 (never 200).
ROLE_PAGES = [
    ("accounts", lambda w: reverse("user_list"), {"sysadmin"}),
    ("grants", lambda w: reverse("grant_list"), {"secadmin"}),
    ("audit", lambda w: reverse("audit_list"), {"auditor", "auditadmin"}),
    ("api audit", lambda w: "/api/audit-events/", {"auditor", "auditadmin"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_scope(client, world, role):
    client.force_login(world["users"][role])
    got, want = {}, {}
    for name, url, allowed in PAGES:
        got[name] = client.get(url(world)).status_code
        want[name] = _expect(role, allowed)
    for name, url, allowed in ROLE_PAGES:
        status = client.get(url(world)).status_code
        got[name] = 200 if status == 200 else "refused"
        want[name] = 200 if role in allowed else "refused"
        if role not in allowed:
            assert status in (403, 404), (name, status)
    assert got == want


def test_anonymous_is_sent_to_login_and_api_refuses(client, world):
    for _name, url, _allowed in PAGES + ROLE_PAGES:
        path = url(world)
        resp = client.get(path)
        if path.startswith("/api/"):
            assert resp.status_code in (401, 403), path
        else:
            assert resp.status_code == 302 and reverse("login") in resp["Location"], path


def test_contribution_lists_are_scoped(client, world):
    """A department officer's list shows its own department's contributions only."""
    client.force_login(world["users"]["officer_st"])
    data = client.get("/api/funds/contributions/").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert {r["id"] for r in rows} == {world["c_st"].pk}
    client.force_login(world["users"]["applicant_a"])
    resp = client.get("/api/funds/contributions/")
    rows = resp.json()["results"] if resp.status_code == 200 else []
    assert rows == []
