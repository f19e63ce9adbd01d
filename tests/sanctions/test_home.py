"""Pending work on the home page (finance: to co-sign, to confirm, money still owed; office: rejections
and overdue recoveries; the unit: what it must pay back) and the links of each role."""

import datetime as dt

from techfund.core.home import links_for, pending_for
from techfund.sanctions import services
from tests.sanctions.conftest import DEADLINE, DECIDED_ON, PROPOSED_ON


def kinds(user, role):
    return [(p.kind, p.title, p.url) for p in pending_for(user)[role]]


def test_finance_office_and_unit_pending_work(
    paid, project, project_b, office, finance, unit_user, other_unit_user
):
    order = services.propose_sanction(project, actor=office, kind="suspend", reason="滞后", basis="纪要")
    rec = services.issue_recovery(
        project,
        actor=office,
        amount="1000000",
        reason="违规",
        basis="审计",
        deadline=DEADLINE,
        today=PROPOSED_ON,
    )
    title = f"{project.number} {project.title}"
    todo = kinds(finance, "finance")
    assert ("暂停拨款建议，待财政部门会签", title, f"/sanctions/orders/{order.pk}/") in todo
    assert ("追回通知待财政部门确认", title, f"/sanctions/recoveries/{rec.pk}/") in todo
    assert not [k for k in kinds(office, "office") if k[0].startswith(("暂停", "追回"))]

    services.decide_sanction(order, actor=finance, decision="reject", opinion="先整改。")
    services.decide_recovery(rec, actor=finance, decision="concur", today=DECIDED_ON)
    todo = kinds(finance, "finance")
    assert not [k for k in todo if k[0] == "暂停拨款建议，待财政部门会签"]
    (owed,) = [p for p in pending_for(finance)["finance"] if p.kind == "追回资金待缴回登记"]
    assert owed.detail == "待缴 1,000,000.00 元（追回 1,000,000.00 元），缴回期限 2026-12-31"
    office_todo = kinds(office, "office")
    assert ("暂停拨款建议财政部门不同意", title, f"/sanctions/orders/{order.pk}/") in office_todo
    (unit_todo,) = pending_for(unit_user)["applicant"][-1:]
    assert unit_todo.kind == "追回通知：请按期缴回已拨资金" and rec.number in unit_todo.title
    assert not [p for p in pending_for(other_unit_user)["applicant"] if p.kind.startswith("追回")]

    # past its deadline (today is later than the order's deadline), the office follows it up
    late = services.issue_recovery(
        project,
        actor=office,
        amount="100000",
        reason="x",
        basis="y",
        deadline=dt.date(2026, 11, 10),
        today=PROPOSED_ON,
    )
    services.decide_recovery(late, actor=finance, decision="concur", today=DECIDED_ON)
    overdue = [k for k in kinds(office, "office") if k[0] == "追回资金逾期未缴清"]
    assert overdue == [
        ("追回资金逾期未缴清", f"{late.number} {project.title}", f"/sanctions/recoveries/{late.pk}/")
    ]


def test_links(office, finance, leader, auditor, officer, applicant, expert):
    for user in (office, finance, leader, auditor, officer):
        assert "sanctions:overview" in [name for name, _ in links_for(user)]
    for user in (applicant, expert):
        assert "sanctions:overview" not in [name for name, _ in links_for(user)]
