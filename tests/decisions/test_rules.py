"""Who may do what (role × permission) and who sees which item (scope)."""

import pytest

from techfund.core.permissions import can
from techfund.decisions.scopes import visible_batches, visible_items, visible_objections, visible_publicities

ACTIONS = {
    "decisions.create_batch": {"office"},
    "decisions.propose_item": {"office"},
    "decisions.remove_item": {"office"},
    "decisions.submit_batch": {"office"},
    "decisions.publish_publicity": {"office"},
    "decisions.resolve_objection": {"office"},
    "decisions.end_publicity": {"office"},
    "decisions.decide_item": {"leader"},
    "decisions.view_batch": {"office", "leader", "finance", "auditor"},
    "decisions.view_publicity": {"office", "leader", "finance", "auditor"},
    "decisions.view_objection": {"office", "leader", "finance", "auditor"},
}
ROLES = ["office", "leader", "finance", "auditor", "officer", "applicant", "expert", "sysadmin"]


@pytest.mark.parametrize("perm", sorted(ACTIONS))
def test_action_matrix(perm, request):
    for role in ROLES:
        user = request.getfixturevalue(role)
        assert can(user, perm) is (role in ACTIONS[perm]), (perm, role)


def test_item_scope(
    publicity, approved, app_a, st_department, it_department, officer_of, applicant_of, request
):
    a, b = approved
    for role in ("office", "leader", "finance", "auditor"):
        user = request.getfixturevalue(role)
        assert set(visible_items(user)) == {a, b}
        assert visible_batches(user).count() == 1 and visible_publicities(user).count() == 1
        assert can(user, "decisions.view_item", a)
    st, it = officer_of(st_department), officer_of(it_department)
    assert list(visible_items(st)) == [a] and list(visible_items(it)) == [b]
    assert can(st, "decisions.view_item", a) and not can(st, "decisions.view_item", b)
    own = applicant_of(app_a.organisation)
    assert list(visible_items(own)) == [a]
    assert can(own, "decisions.view_item", a) and not can(own, "decisions.view_item", b)
    for user in (st, own, request.getfixturevalue("expert"), request.getfixturevalue("sysadmin")):
        assert not visible_batches(user).exists()
        assert not visible_publicities(user).exists()
        assert not visible_objections(user).exists()
    assert not visible_items(request.getfixturevalue("expert")).exists()
