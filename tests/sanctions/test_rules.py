"""Who may do what (role × permission) and who sees which orders (scope), on the fixtures' project A:
the unit and the managing department read their project's orders; another unit or department sees none."""

from techfund.core.permissions import can
from techfund.sanctions import services
from techfund.sanctions.scopes import sees_sanctions, visible_receipts, visible_recoveries, visible_sanctions
from techfund.sanctions.transitions import RECOVERY, SANCTION

ACTIONS = {
    "sanctions.propose": {"office"},
    "sanctions.decide": {"finance"},
    "sanctions.issue_recovery": {"office"},
    "sanctions.decide_recovery": {"finance"},
    "sanctions.record_receipt": {"finance"},
    "sanctions.export": {"office", "leader", "finance", "auditor"},
    "sanctions.view": {"office", "leader", "finance", "auditor", "dept_officer", "unit_user"},
}
USERS = [
    "office",
    "leader",
    "finance",
    "auditor",
    "dept_officer",
    "unit_user",
    "other_officer",
    "other_unit_user",
    "expert",
    "sysadmin",
]


def test_role_matrix(request, project):
    for name in USERS:
        user = request.getfixturevalue(name)
        for perm, allowed in ACTIONS.items():
            assert can(user, perm, project) is (name in allowed), (perm, name)


def test_scope(paid, project, office, finance, request):
    order = services.propose_sanction(project, actor=office, kind="suspend", reason="x", basis="y")
    rec = services.issue_recovery(
        project, actor=office, amount="1", reason="x", basis="y", deadline="2026-12-31"
    )
    sees = {"office", "leader", "finance", "auditor", "dept_officer", "unit_user"}
    for name in USERS:
        user = request.getfixturevalue(name)
        assert visible_sanctions(user).filter(pk=order.pk).exists() is (name in sees), name
        assert visible_recoveries(user).filter(pk=rec.pk).exists() is (name in sees), name
        assert not visible_receipts(user).exists()
        assert sees_sanctions(user) is (name not in {"expert", "sysadmin"}), name


def test_transition_tables_name_the_permissions():
    assert {perm for _f, _t, perm in SANCTION.rows()} == {"sanctions.decide"}
    assert {perm for _f, _t, perm in RECOVERY.rows()} == {
        "sanctions.decide_recovery",
        "sanctions.record_receipt",
    }
