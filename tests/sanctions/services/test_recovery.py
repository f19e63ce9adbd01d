"""Recovery of paid money: the office drafts the order, finance confirms it and records the receipts,
which flow disbursed → pool; an order never asks for more than was paid and not yet claimed; every
refusal says why and changes nothing."""

import datetime as dt

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.sanctions import services
from tests.sanctions.conftest import (
    DEADLINE,
    DECIDED_ON,
    PROPOSED_ON,
    RECEIVED_ON,
    M,
    area,
    assert_reconciles,
    disbursed,
    nothing_saved,
    pool,
)


def issue(project, office, amount, **kw):
    kw.setdefault("today", PROPOSED_ON)
    kw.setdefault("deadline", DEADLINE)
    return services.issue_recovery(
        project, actor=office, amount=amount, reason="违规使用资金", basis="审计报告", **kw
    )


def receive(order, finance, amount, ref, **kw):
    kw.setdefault("today", RECEIVED_ON)
    return services.record_receipt(order, actor=finance, amount=amount, treasury_ref=ref, **kw)


def test_recovery_from_draft_to_settled(recovery, project, office, finance):
    assert (recovery.state, recovery.number, recovery.amount) == ("proposed", f"ZH-{project.number}-01", M)
    assert recovery.issued_by == office and recovery.deadline == DEADLINE
    services.decide_recovery(
        recovery, actor=finance, decision="concur", opinion="同意追回。", today=DECIDED_ON
    )
    recovery.refresh_from_db()
    assert (recovery.state, recovery.decided_by, recovery.decided_on) == ("open", finance, DECIDED_ON)
    pool_before = pool(project)
    first = receive(recovery, finance, "400000", "JK2026-0001", received_on=dt.date(2026, 11, 8))
    recovery.refresh_from_db()
    assert recovery.state == "open" and first.received_on == dt.date(2026, 11, 8)
    assert disbursed(project) == 2000000 and pool(project) == pool_before + 400000
    assert first.entry.code == "sanctions.recovery.received" and "JK2026-0001" in first.entry.memo
    receive(recovery, finance, "600000.00", "JK2026-0002")
    recovery.refresh_from_db()
    assert (recovery.state, recovery.settled_on) == ("settled", RECEIVED_ON)
    assert disbursed(project) == 1400000 and pool(project) == pool_before + M
    actions = list(
        AuditEvent.objects.filter(action__startswith="sanctions.")
        .order_by("seq")
        .values_list("action", "role")
    )
    assert actions == [
        ("sanctions.recovery.issued", "office"),
        ("sanctions.recovery.confirmed", "finance"),
        ("sanctions.receipt.recorded", "finance"),
        ("sanctions.receipt.recorded", "finance"),
        ("sanctions.recovery.settled", "finance"),
    ]
    assert services.project_figures(project).received == M
    assert_reconciles(project)


def test_termination_then_full_recovery_reconciles(paid, project, office, finance):
    area_before, pool_before = area(project), pool(project)
    order = services.propose_sanction(
        project,
        actor=office,
        kind="terminate",
        reason="严重违规",
        basis="领导小组会议纪要",
        today=PROPOSED_ON,
    )
    services.decide_sanction(order, actor=finance, decision="concur", today=DECIDED_ON)
    figures = services.project_figures(project)
    assert figures.recoverable == 2400000 and figures.released == 1600000
    project.refresh_from_db()
    assert services.recovery_advice(project, figures) == (
        "项目已终止，已拨付未追回 2,400,000.00 元。按本市政策，终止项目应退回结余资金，因违规终止的应追回已拨资金：可下达追回通知。"
    )
    tranches = project.fund_year.profile.rules["tranches"]  # in memory only: a city without the rules
    tranches["recover_on_misconduct"] = False
    assert "因违规终止" not in services.recovery_advice(project, figures)
    tranches["refund_unspent_on_termination"] = False
    assert services.recovery_advice(project, figures) == ""
    rec = issue(project, office, "2400000")
    services.decide_recovery(rec, actor=finance, decision="concur", today=DECIDED_ON)
    receive(rec, finance, "2400000", "JK2026-0009")
    assert area(project) == area_before + 1600000 and pool(project) == pool_before + 2400000
    assert disbursed(project) == 0
    f = services.project_figures(project)
    assert (f.arranged, f.paid, f.unpaid, f.released, f.received, f.disbursed, f.recoverable) == (
        4 * M,
        2400000,
        0,
        1600000,
        2400000,
        0,
        0,
    )
    assert_reconciles(project)
    assert services.recovery_advice(project, f) == ""  # nothing left to recover


def test_an_order_asks_for_no_more_than_is_paid_and_not_yet_claimed(open_recovery, project, office, finance):
    # disbursed 2,400,000; the open order claims 1,000,000
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        issue(project, office, "1400000.01")
    msg = "追回金额 1,400,000.01 元超过可追回金额 1,400,000.00 元（已拨付未追回 2,400,000.00 元，其他追回通知待缴 1,000,000.00 元）。"
    assert exc.value.message == msg and exc.value.errors == {"amount": [msg]}
    assert exc.value.code == "exceeds_disbursed"
    receive(open_recovery, finance, "400000", "JK2026-0001")
    # disbursed 2,000,000; the open order still claims 600,000 → 1,400,000 may be asked
    second = issue(project, office, "1400000")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        issue(project, office, "0.01")
    assert exc.value.message == (
        f"项目 {project.number} 没有可追回的已拨资金（已拨付未追回 2,000,000.00 元，其他追回通知待缴 2,000,000.00 元）。"
    )
    # a rejected draft frees its claim
    services.decide_recovery(
        second, actor=finance, decision="reject", opinion="金额依据不足。", today=DECIDED_ON
    )
    assert issue(project, office, "1400000").number == f"ZH-{project.number}-03"


def test_nothing_to_recover_before_any_payment(project, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        issue(project, office, "1")
    assert exc.value.code == "nothing_to_recover" and "已拨付未追回 0.00 元" in exc.value.message


def test_draft_input_is_checked_field_by_field(paid, project, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.issue_recovery(
            project,
            actor=office,
            amount="abc",
            reason="",
            basis="审计报告",
            deadline=PROPOSED_ON,
            today=PROPOSED_ON,
        )
    assert exc.value.message == "追回通知有3处需要修改。" and exc.value.code == "recovery_invalid"
    assert exc.value.errors == {
        "amount": ["追回金额：金额“abc”不是有效的数字。"],
        "reason": ["请填写事由。"],
        "deadline": ["缴回期限须晚于拟定日期（2026-11-03）。"],
    }
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.issue_recovery(
            project, actor=office, amount="-5", reason="x", basis="x", deadline="2026-13-01"
        )
    assert exc.value.errors == {
        "amount": ["追回金额：金额必须大于零。"],
        "deadline": ["缴回期限“2026-13-01”不是有效的日期（格式：2026-03-01）。"],
    }


def test_only_the_office_drafts_and_only_finance_confirms_and_records(
    request, open_recovery, project, office
):
    not_office = {
        "finance": NotAllowed,
        "leader": NotAllowed,
        "dept_officer": NotAllowed,
        "unit_user": NotAllowed,
        "other_unit_user": NotVisible,
    }
    not_finance = {
        "office": NotAllowed,
        "auditor": NotAllowed,
        "unit_user": NotAllowed,
        "other_officer": NotVisible,
    }
    users = {name: request.getfixturevalue(name) for name in not_office | not_finance}
    for name, error in not_office.items():
        with nothing_saved(), pytest.raises(error):
            issue(project, users[name], "1")
    draft = issue(project, office, "500000")
    for name, error in not_finance.items():
        with nothing_saved():
            with pytest.raises(error):
                services.decide_recovery(draft, actor=users[name], decision="concur")
            with pytest.raises(error):
                receive(open_recovery, users[name], "1", "JK-1")


def test_confirmation_refusals(recovery, project, office_finance, finance, finance2):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.decide_recovery(recovery, actor=finance, decision="reject", opinion="")
    assert exc.value.errors == {"opinion": ["请填写财政部门意见。"]}
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.decide_recovery(recovery, actor=finance, decision="concur", today=DEADLINE)
    assert exc.value.message == "缴回期限（2026-12-31）已到，请办公室重新拟定追回通知。"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.decide_recovery(recovery, actor=finance, decision="concur", today=dt.date(2026, 11, 1))
    assert exc.value.message == "确认日期不能早于拟定日期（2026-11-03）。"
    mine = issue(project, office_finance, "1000")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.decide_recovery(mine, actor=office_finance, decision="concur", today=DECIDED_ON)
    assert exc.value.message == "确认须由拟定人以外的财政部门人员进行：不能确认本人拟定的追回通知。"
    services.decide_recovery(recovery, actor=finance, decision="concur", today=DECIDED_ON)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.decide_recovery(recovery, actor=finance2, decision="concur", today=DECIDED_ON)
    assert exc.value.message == f"追回通知 {recovery.number} 已处理（已下达，追缴中），不能再次确认。"


def test_receipt_refusals(recovery, paid, project, finance):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        receive(recovery, finance, "1", "JK-1")
    assert exc.value.message == f"追回通知 {recovery.number} 尚未经财政部门确认，不能登记缴回。"
    services.decide_recovery(recovery, actor=finance, decision="concur", today=DECIDED_ON)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        receive(recovery, finance, "1000000.01", "JK-1")
    msg = "本次缴回 1,000,000.01 元超过待缴金额 1,000,000.00 元（追回 1,000,000.00 元，已缴回 0.00 元）。"
    assert exc.value.message == msg and exc.value.errors == {"amount": [msg]}
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        receive(recovery, finance, "1", paid.treasury_ref)
    assert exc.value.errors == {"treasury_ref": ["国库凭证号“GK2026-0001”已登记过，不能重复使用。"]}
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        receive(recovery, finance, "1", "JK-1", received_on=dt.date(2026, 11, 11))
    assert exc.value.errors == {"received_on": ["缴回日期不能晚于今天。"]}
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        receive(recovery, finance, "1", "JK-1", received_on=dt.date(2026, 11, 4))
    assert exc.value.errors == {"received_on": ["缴回日期不能早于追回通知确认日期（2026-11-05）。"]}
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        receive(recovery, finance, "", " ", note="x" * 301)
    assert exc.value.message == "缴回登记有3处需要修改。"
    assert set(exc.value.errors) == {"amount", "treasury_ref", "note"}
    receive(recovery, finance, "1000000", "JK-1")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        receive(recovery, finance, "1", "JK-2")
    assert exc.value.message == f"追回通知 {recovery.number} 已全额缴回，不能再登记。"


def test_a_rejected_order_takes_no_receipts(recovery, finance):
    services.decide_recovery(recovery, actor=finance, decision="reject", opinion="不同意。", today=DECIDED_ON)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        receive(recovery, finance, "1", "JK-1")
    assert exc.value.message == f"追回通知 {recovery.number} 财政部门未同意，不能登记缴回。"
