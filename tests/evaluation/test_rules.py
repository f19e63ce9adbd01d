"""Who may do what (role × permission) and who sees which evaluation (scope)."""

import pytest

from techfund.core.permissions import can
from techfund.evaluation.scopes import visible_comprehensive, visible_next_year, visible_self_evaluations
from techfund.evaluation.transitions import COMPREHENSIVE, NEXT_YEAR, SELF_EVALUATION
from techfund.projects.transitions import PROJECT

ACTIONS = {
    "evaluation.accept_self_evaluation": {"office"},
    "evaluation.return_self_evaluation": {"office"},
    "evaluation.propose_comprehensive": {"office"},
    "evaluation.complete_evaluation": {"finance"},
    "evaluation.return_comprehensive": {"finance"},
    "evaluation.propose_next_year": {"office"},
    "evaluation.adjust_next_year": {"office"},
    "evaluation.submit_next_year": {"office"},
    "evaluation.view_grades": {"office", "leader", "finance", "auditor", "officer"},
    "evaluation.view_next_year": {"office", "leader", "finance", "auditor"},
}
ROLES = ["office", "leader", "finance", "auditor", "officer", "applicant", "expert", "sysadmin"]


@pytest.mark.parametrize("perm", sorted(ACTIONS))
def test_action_matrix(perm, request):
    for role in ROLES:
        user = request.getfixturevalue(role)
        assert can(user, perm) is (role in ACTIONS[perm]), (perm, role)


def test_every_move_names_a_defined_permission():
    from techfund.core.permissions import roles_for

    for table in (SELF_EVALUATION, COMPREHENSIVE, NEXT_YEAR, PROJECT):
        for _frm, _to, perm in table.rows():
            if perm.startswith("evaluation."):
                assert roles_for(perm), perm


def test_scope(confirmed_ce, project, unit_user, dept_officer, applicant, officer, expert, request):
    ev = confirmed_ce.self_evaluation
    for role in ("office", "leader", "finance", "auditor"):
        user = request.getfixturevalue(role)
        assert list(visible_self_evaluations(user)) == [ev] and list(visible_comprehensive(user)) == [
            confirmed_ce
        ]
        assert can(user, "evaluation.view_evaluation", project)
    for user in (unit_user, dept_officer):
        assert list(visible_self_evaluations(user)) == [ev] and can(
            user, "evaluation.view_evaluation", project
        )
        assert not visible_next_year(user).exists()
    # only the implementing unit submits
    assert can(unit_user, "evaluation.submit_self_evaluation", project)
    assert not can(dept_officer, "evaluation.submit_self_evaluation", project)
    for user in (applicant, officer, expert):
        assert not visible_self_evaluations(user).exists() and not visible_comprehensive(user).exists()
        assert not can(user, "evaluation.view_evaluation", project)
