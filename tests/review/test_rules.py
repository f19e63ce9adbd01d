"""The permission matrix (role × action × scope) and what each role sees."""

import pytest

from techfund.core.enums import Role
from techfund.core.models import Department
from techfund.core.permissions import can
from techfund.review import scopes, services
from tests import factories
from tests.review.conftest import assignment_of, score, scores

ROLES = ["office", "leader", "finance", "auditor", "officer", "applicant", "expert", "sysadmin"]

MATRIX = {
    "review.manage_experts": {"office"},
    "review.manage_rounds": {"office"},
    "review.assign": {"office"},
    "review.view_experts": {"office", "leader", "finance", "auditor"},
    "review.view_rounds": {"office", "leader", "finance", "auditor", "expert"},
}


@pytest.mark.parametrize("perm", sorted(MATRIX))
def test_permission_matrix(perm, draft_round, request):
    for who in ROLES:
        assert can(request.getfixturevalue(who), perm, draft_round) is (who in MATRIX[perm]), (perm, who)


def test_only_the_assigned_expert_scores_or_declines(open_round, app1, expert_a, expert_b, request):
    a = assignment_of(open_round, app1, expert_a)
    for perm in ("review.score", "review.decline"):
        assert can(expert_a.user, perm, a)
        assert not can(expert_b.user, perm, a)
        for who in ROLES:
            assert not can(request.getfixturevalue(who), perm, a), (perm, who)


def test_scopes(open_round, office, app1, app2, app3, expert_a, expert_b, expert_c, applicant_x, request):
    a_b = assignment_of(open_round, app1, expert_b)
    # readers see everything
    for who in ("office", "leader", "finance", "auditor"):
        user = request.getfixturevalue(who)
        assert scopes.visible_assignments(user).count() == 3
        assert scopes.visible_experts(user).count() == 3
        assert scopes.visible_rounds(user).count() == 1
    # an expert: own assignments, own profile, own rounds, assigned applications only
    assert set(scopes.visible_assignments(expert_a.user)) == {
        assignment_of(open_round, app1, expert_a),
        assignment_of(open_round, app2, expert_a),
    }
    assert a_b not in scopes.visible_assignments(expert_a.user)
    assert list(scopes.visible_experts(expert_a.user)) == [expert_a]
    assert set(scopes.applications_for_expert(expert_a.user)) == {app1, app2}
    assert set(scopes.applications_for_expert(expert_b.user)) == {app1}
    assert set(scopes.review_applications(expert_b.user)) == {app1}
    assert not scopes.visible_rounds(expert_c.user).exists()
    assert not scopes.review_applications(expert_c.user).exists()
    # a declined application is given back
    services.decline(a_b, actor=expert_b.user, reason="回避")
    assert not scopes.applications_for_expert(expert_b.user).exists()
    assert list(scopes.visible_assignments(expert_b.user)) == [a_b]  # the task itself stays on their list
    # applicants and department officers: no assignments, no experts, results once closed
    officer = factories.user(Role.DEPARTMENT, department=Department.objects.get(code="science_technology"))
    for user in (applicant_x, officer, request.getfixturevalue("sysadmin")):
        assert not scopes.visible_assignments(user).exists()
        assert not scopes.visible_experts(user).exists()
        assert not scopes.visible_rounds(user).exists()
        assert not scopes.visible_results(user).exists()
    assert list(scopes.review_applications(applicant_x)) == [app1]
    assert set(scopes.review_applications(officer)) == {app1, app2}
    score(assignment_of(open_round, app1, expert_a), scores(80, 80, 8))
    score(assignment_of(open_round, app2, expert_a), scores(70, 70, 7))
    services.close_round(open_round, actor=office)
    assert [r.application for r in scopes.visible_results(applicant_x)] == [app1]
    assert {r.application for r in scopes.visible_results(officer)} == {app1, app2}
    other = factories.user(Role.DEPARTMENT, department=factories.department())
    assert not scopes.visible_results(other).exists()
    assert not scopes.visible_results(expert_a.user).exists()
    assert app3 not in scopes.review_applications(applicant_x)
