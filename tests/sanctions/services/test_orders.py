"""Suspension, lifting and termination: the office proposes, finance concurs (the project moves in the
same transaction; a termination releases the unpaid commitment to the area) or rejects; every refusal
says why and changes nothing — no order, no project move, no ledger entry, no audit event."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.projects import services as project_services
from techfund.projects.models import Project
from techfund.sanctions import services
from techfund.sanctions.models import SanctionOrder
from tests.sanctions.conftest import (
    DECIDED_ON,
    PROPOSED_ON,
    M,
    area,
    assert_reconciles,
    disbursed,
    nothing_saved,
    suspend,
    unpaid,
)

REASON = "项目负责人调离，研究工作停滞"
BASIS = "领导小组办公室会议纪要〔2026〕12号"


def propose(project, office, kind, **kw):
    kw.setdefault("today", PROPOSED_ON)
    return services.propose_sanction(project, actor=office, kind=kind, reason=REASON, basis=BASIS, **kw)


def concur(order, finance, **kw):
    kw.setdefault("today", DECIDED_ON)
    return services.decide_sanction(order, actor=finance, decision="concur", **kw)


def events(target, action):
    return list(AuditEvent.objects.filter(action=action, target_id=str(target.pk)))


def test_a_suspension_takes_effect_only_with_finance_signature(paid, project, office, finance):
    order = propose(project, office, "suspend")
    project.refresh_from_db()
    assert (order.state, order.kind, order.number) == ("proposed", "suspend", f"CZ-{project.number}-01")
    assert project.state == "in_progress"  # a proposal changes nothing yet
    (ev,) = events(order, "sanctions.order.proposed")
    assert ev.role == "office" and ev.reason == REASON and ev.after["basis"] == BASIS
    before = unpaid(project), disbursed(project)
    concur(order, finance, opinion="同意暂停拨款。")
    order.refresh_from_db()
    project.refresh_from_db()
    assert (order.state, order.from_state, order.decided_by, order.decided_on) == (
        "effective",
        "in_progress",
        finance,
        DECIDED_ON,
    )
    assert order.proposed_by == office and order.opinion == "同意暂停拨款。"
    assert order.released_amount is None and order.release_entry is None
    assert project.state == "suspended"
    assert (unpaid(project), disbursed(project)) == before  # a suspension moves no money
    (signed,) = events(order, "sanctions.order.concurred")
    assert signed.role == "finance" and signed.data["proposed_by"] == office.pk
    (moved,) = events(project, "sanctions.project.suspended")
    assert (moved.before, moved.after) == ({"state": "in_progress"}, {"state": "suspended"})
    assert moved.data["proposed_by"] == office.pk and moved.data["concurred_by"] == finance.pk


def test_a_suspended_project_cannot_be_paid_until_the_suspension_is_lifted(
    suspended, project, contract, office, finance
):
    second = contract.tranches.get(seq=2)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        project_services.pay_tranche(
            second, actor=finance, treasury_ref="GK2026-0002", today=dt.date(2026, 11, 20)
        )
    assert exc.value.message == f"项目 {project.number} 已暂停拨款，解除暂停前不能拨付。"
    lift = propose(project, office, "lift", today=dt.date(2026, 11, 18))
    concur(lift, finance, today=dt.date(2026, 11, 19))
    project.refresh_from_db()
    assert project.state == "in_progress"
    assert events(project, "sanctions.project.resumed")
    payment = project_services.pay_tranche(
        second, actor=finance, treasury_ref="GK2026-0002", today=dt.date(2026, 11, 20)
    )
    assert payment.amount == 1600000 and unpaid(project) == 0 and disbursed(project) == 4 * M
    assert_reconciles(project)


def test_termination_releases_the_unpaid_commitment_to_the_focus_area(paid, project, office, finance):
    area_before = area(project)
    order = concur(propose(project, office, "terminate"), finance)
    order.refresh_from_db()
    project.refresh_from_db()
    assert project.state == "terminated" and order.from_state == "in_progress"
    assert order.released_amount == 1600000
    assert area(project) == area_before + 1600000 and unpaid(project) == 0
    assert disbursed(project) == 2400000  # paid money stays until recovered
    entry = order.release_entry
    assert entry.code == "sanctions.termination.released" and entry.ref_id == str(order.pk)
    assert "释放未拨付资金 1,600,000.00 元" in entry.memo
    (moved,) = events(project, "sanctions.project.terminated")
    assert moved.after == {"state": "terminated"} and moved.data["released_amount"] == "1600000.00"
    assert_reconciles(project)
    # a terminated project is not paid any more
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        project_services.pay_tranche(
            project.contract.tranches.get(seq=2), actor=finance, treasury_ref="GK-X", today=DECIDED_ON
        )
    assert exc.value.code == "project_not_payable"


def test_terminating_an_arranged_project_releases_all_of_it(project, office, finance):
    area_before = area(project)
    order = concur(propose(project, office, "terminate"), finance)
    assert order.released_amount == 4 * M and order.from_state == "arranged"
    assert area(project) == area_before + 4 * M
    assert_reconciles(project)


def test_terminating_a_fully_paid_project_releases_nothing(paid, project, contract, office, finance):
    project_services.pay_tranche(
        contract.tranches.get(seq=2), actor=finance, treasury_ref="GK2026-0002", today=PROPOSED_ON
    )
    order = concur(propose(project, office, "terminate"), finance)
    order.refresh_from_db()
    assert order.released_amount == 0 and order.release_entry is None
    assert_reconciles(project)


def test_finance_rejects_with_an_opinion(paid, project, office, finance):
    order = propose(project, office, "terminate")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.decide_sanction(order, actor=finance, decision="reject", opinion=" ", today=DECIDED_ON)
    assert exc.value.message == "请填写财政部门意见。" and exc.value.errors == {
        "opinion": ["请填写财政部门意见。"]
    }
    services.decide_sanction(
        order, actor=finance, decision="reject", opinion="依据不足，建议先下达整改通知。", today=DECIDED_ON
    )
    order.refresh_from_db()
    project.refresh_from_db()
    assert order.state == "rejected" and order.decided_by == finance and project.state == "in_progress"
    assert order.released_amount is None
    (ev,) = events(order, "sanctions.order.rejected")
    assert ev.reason == "依据不足，建议先下达整改通知。"
    assert not events(project, "sanctions.project.terminated")
    # once decided, the office may propose again
    assert propose(project, office, "suspend").number == f"CZ-{project.number}-02"


@pytest.mark.parametrize(
    ("setup", "kind", "message"),
    [
        ("running", "lift", "项目 {n} 当前状态为“执行中”，没有暂停拨款，无需解除。"),
        ("project", "suspend", "项目 {n} 当前状态为“预算已安排，待签任务书”，只有执行中的项目才能暂停拨款。"),
        ("suspended", "suspend", "项目 {n} 已暂停拨款，不能重复暂停。"),
        ("terminated", "terminate", "项目 {n} 已终止，不能重复终止。"),
        ("terminated", "lift", "项目 {n} 当前状态为“已终止”，没有暂停拨款，无需解除。"),
        ("terminated", "suspend", "项目 {n} 当前状态为“已终止”，只有执行中的项目才能暂停拨款。"),
    ],
)
def test_a_move_the_project_state_does_not_allow_is_refused_when_proposed(
    request, setup, kind, message, project, office, finance
):
    if setup == "terminated":
        concur(propose(project, office, "terminate"), finance)
    else:
        request.getfixturevalue(setup)
    project.refresh_from_db()
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        propose(project, office, kind)
    assert exc.value.message == message.format(n=project.number) and exc.value.code == "project_state"


def test_the_move_is_checked_again_at_concurrence(paid, project, office, finance):
    order = propose(project, office, "suspend")
    # TEST SETUP ONLY: the project went to acceptance meanwhile (the evaluation stage's move).
    Project.objects.filter(pk=project.pk).update(state="acceptance")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        concur(order, finance)
    assert exc.value.message == (
        f"项目 {project.number} 当前状态为“已提交自评，待验收评价”，只有执行中的项目才能暂停拨款。"
    )
    order.refresh_from_db()
    assert order.state == "proposed"
    services.decide_sanction(order, actor=finance, decision="reject", opinion="项目已进入验收。")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        propose(project, office, "terminate")
    assert "不能终止（只有预算已安排、执行中或暂停拨款的项目可以终止）" in exc.value.message


def test_one_order_waiting_for_finance_per_project(paid, project, project_b, office, finance):
    first = propose(project, office, "suspend")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        propose(project, office, "terminate")
    assert exc.value.message == (
        f"项目 {project.number} 已有一项待财政部门会签的建议（{first.number}，暂停拨款），处理完毕前不能再提出。"
    )
    assert exc.value.code == "order_pending"
    propose(project_b, office, "terminate")  # another project is not affected
    # the database refuses a second open order even if a service forgot to check
    with pytest.raises(IntegrityError), transaction.atomic():
        SanctionOrder.objects.create(
            project=project,
            number="CZ-X",
            kind="terminate",
            reason="x",
            basis="x",
            proposed_by=office,
            proposed_on=PROPOSED_ON,
        )
    concur(first, finance)
    second = propose(project, office, "terminate")
    assert second.state == "proposed"


def test_validation_names_each_field(paid, project, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_sanction(project, actor=office, kind="suspend", reason="", basis="x" * 301)
    assert exc.value.message == "建议有2处需要修改。" and exc.value.code == "order_invalid"
    assert exc.value.errors == {"reason": ["请填写事由。"], "basis": ["依据不能超过300个字符。"]}
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_sanction(project, actor=office, kind="cancel", reason="x", basis="x")
    assert exc.value.errors["kind"] == [
        "处置类别“cancel”无效（可选：suspend 暂停拨款、lift 解除暂停、terminate 终止项目）。"
    ]


#: Who may not propose (or co-sign): NotAllowed when the project is in their scope, NotVisible when not.
NOT_OFFICE = {
    "finance": NotAllowed,
    "leader": NotAllowed,
    "auditor": NotAllowed,
    "dept_officer": NotAllowed,
    "unit_user": NotAllowed,
    "other_unit_user": NotVisible,
    "other_officer": NotVisible,
    "expert": NotVisible,
}
NOT_FINANCE = {**NOT_OFFICE, "office": NotAllowed}
del NOT_FINANCE["finance"]


def test_only_the_office_proposes_and_only_finance_concurs(request, paid, project, office):
    users = {name: request.getfixturevalue(name) for name in NOT_FINANCE | NOT_OFFICE}
    for name, error in NOT_OFFICE.items():
        with nothing_saved(), pytest.raises(error):
            services.propose_sanction(project, actor=users[name], kind="suspend", reason="x", basis="x")
    order = propose(project, office, "suspend")
    for name, error in NOT_FINANCE.items():
        with nothing_saved(), pytest.raises(error):
            services.decide_sanction(order, actor=users[name], decision="concur")


def test_two_signatures_are_two_people(paid, project, office_finance, finance):
    order = propose(project, office_finance, "suspend")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        concur(order, office_finance)
    assert exc.value.message == "会签须由提出人以外的财政部门人员进行：不能会签本人提出的建议。"
    concur(order, finance)


def test_a_decided_order_is_not_decided_again(suspended, office, finance, finance2):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.decide_sanction(suspended, actor=finance2, decision="reject", opinion="x")
    assert exc.value.message == f"建议 {suspended.number} 已处理（财政部门会签同意，已生效），不能再次会签。"


def test_decision_input_is_checked(paid, project, office, finance):
    order = propose(project, office, "suspend")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.decide_sanction(order, actor=finance, decision="maybe")
    assert exc.value.errors == {"decision": ["请选择会签意见（同意或不同意）。"]}
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.decide_sanction(order, actor=finance, decision="concur", today=dt.date(2026, 11, 1))
    assert exc.value.message == "会签日期不能早于提出日期（2026-11-03）。"


def test_suspend_lift_suspend_terminate_keeps_the_books(paid, project, office, finance):
    suspend(project, office, finance)
    concur(propose(project, office, "lift"), finance)
    suspend(project, office, finance)
    order = concur(propose(project, office, "terminate"), finance)
    assert order.from_state == "suspended"
    project.refresh_from_db()
    assert project.state == "terminated"
    states = list(SanctionOrder.objects.filter(project=project).order_by("id").values_list("kind", "state"))
    assert states == [
        ("suspend", "effective"),
        ("lift", "effective"),
        ("suspend", "effective"),
        ("terminate", "effective"),
    ]
    assert_reconciles(project)


def test_the_database_backs_the_invariants(suspended, open_recovery, office, finance):
    from techfund.sanctions.models import RecoveryOrder, RecoveryReceipt

    def refused(qs, **values):
        with pytest.raises(IntegrityError), transaction.atomic():
            qs.update(**values)

    orders = SanctionOrder.objects.filter(pk=suspended.pk)
    refused(orders, decided_by=office)  # the two signatures are two people
    refused(orders, released_amount=1)  # only a termination releases money
    refused(orders, state="rejected", opinion="")  # a rejection gives its opinion
    refused(orders, state="proposed")  # a proposal carries no signature yet
    recoveries = RecoveryOrder.objects.filter(pk=open_recovery.pk)
    refused(recoveries, deadline=open_recovery.issued_on)
    refused(recoveries, amount=0)
    refused(recoveries, state="settled")  # settled has its date
    refused(recoveries, decided_by=office)
    receipt = services.record_receipt(
        open_recovery, actor=finance, amount="1", treasury_ref="JK-9", today=DECIDED_ON
    )
    refused(RecoveryReceipt.objects.filter(pk=receipt.pk), amount=0)
