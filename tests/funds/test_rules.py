"""The permission matrix: role × action × scope."""

import pytest

from techfund.core.permissions import can
from techfund.funds import scopes

ROLES = ["office", "leader", "finance", "auditor", "st_officer", "applicant", "expert", "sysadmin"]

#: action → roles that may take it (on an object they see)
MATRIX = {
    "funds.open_fund_year": {"office"},
    "funds.record_contribution": {"office"},
    "funds.void_contribution": {"office"},
    "funds.propose_framework": {"office"},
    "funds.update_framework": {"office"},
    "funds.submit_framework": {"office"},
    "funds.approve_framework": {"leader"},
    "funds.return_framework": {"leader"},
    "funds.view_fund_year": {"office", "leader", "finance", "auditor", "st_officer"},
    "funds.view_framework": {"office", "leader", "finance", "auditor", "st_officer"},
}


@pytest.mark.parametrize("perm", sorted(MATRIX))
def test_permission_matrix(perm, draft, request):
    for who in ROLES:
        user = request.getfixturevalue(who)
        assert can(user, perm, draft) is (who in MATRIX[perm]), (perm, who)


def test_viewing_a_contribution_depends_on_the_department(funded, request):
    st = funded.contributions.get(source_type__code="st_innovation")
    it = funded.contributions.get(source_type__code="technical_renovation")
    for who in ("office", "leader", "finance", "auditor"):
        user = request.getfixturevalue(who)
        assert can(user, "funds.view_contribution", st) and can(user, "funds.view_contribution", it)
    officer = request.getfixturevalue("st_officer")
    assert can(officer, "funds.view_contribution", st)
    assert not can(officer, "funds.view_contribution", it)
    for who in ("applicant", "expert"):
        assert not can(request.getfixturevalue(who), "funds.view_contribution", st)


def test_scopes_by_role(draft, funded, request):
    for who in ("office", "leader", "finance", "auditor"):
        user = request.getfixturevalue(who)
        assert scopes.visible_fund_years(user).count() == 1
        assert scopes.visible_frameworks(user).count() == 1
        assert scopes.visible_contributions(user).count() == 3
    officer = request.getfixturevalue("st_officer")
    assert scopes.visible_fund_years(officer).count() == 1
    assert scopes.visible_frameworks(officer).count() == 1
    assert {c.source_type.code for c in scopes.visible_contributions(officer)} == {
        "st_innovation",
        "provincial_st",
    }
    for who in ("applicant", "expert", "sysadmin", "secadmin", "auditadmin"):
        user = request.getfixturevalue(who)
        assert not scopes.visible_fund_years(user).exists()
        assert not scopes.visible_frameworks(user).exists()
        assert not scopes.visible_contributions(user).exists()


def test_an_officer_sees_only_their_departments_rows_of_the_summary(funded, st_officer, office):
    data = scopes.summary_for(st_officer, funded)
    assert [r["code"] for r in data["by_source"]] == ["st_innovation", "provincial_st"]
    assert [r["code"] for r in data["by_department"]] == ["science_technology"]
    assert len(scopes.summary_for(office, funded)["by_department"]) == 2


def test_an_inactive_user_sees_nothing(funded, office):
    office.is_active = False
    assert not scopes.visible_fund_years(office).exists()
    assert not can(office, "funds.record_contribution", funded)
