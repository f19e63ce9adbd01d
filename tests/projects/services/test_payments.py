"""直通车: finance pays tranches against the signed contract, commitment → disbursed, with a unique
treasury reference. Refused while suspended, before the statutory approval, beyond the tranche or
the contract, out of order, with bad dates; the ledger reconciles for every project."""

import datetime as dt
from decimal import Decimal

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.projects import services
from techfund.projects.accounts import project_balances
from techfund.projects.models import Payment, Project
from tests import factories
from tests.projects.conftest import PAID_ON, SIGNED_ON
from tests.projects.helpers import disbursed, events, nothing_changed, unpaid

TODAY = dt.date(2026, 11, 2)
M = Decimal("1000000.00")


def pay(tranche, actor, ref, **kwargs):
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("paid_on", PAID_ON)
    return services.pay_tranche(tranche, actor=actor, treasury_ref=ref, **kwargs)


def test_a_payment_moves_the_commitment_to_disbursed(running, contract, finance):
    first = contract.tranches.get(seq=1)
    p = pay(first, finance, " GK2026-0001 ", note="首笔")
    assert (p.amount, p.paid_on, p.treasury_ref, p.note) == (
        Decimal("2400000.00"),
        PAID_ON,
        "GK2026-0001",
        "首笔",
    )
    assert p.entry.code == "projects.payment.made" and p.project == running
    assert unpaid(running) == Decimal("1600000.00") and disbursed(running) == Decimal("2400000.00")
    (ev,) = events("projects.payment.made")
    assert (
        ev.role == "finance" and ev.after["treasury_ref"] == "GK2026-0001" and ev.data["entry"] == p.entry_id
    )


def test_a_tranche_may_be_paid_in_parts_and_in_order(paid, contract, finance, running):
    second = contract.tranches.get(seq=2)
    pay(
        second,
        finance,
        "GK2026-0002",
        amount="600000.00",
        paid_on=dt.date(2027, 11, 5),
        today=dt.date(2027, 11, 6),
    )
    pay(second, finance, "GK2026-0003", paid_on=dt.date(2027, 11, 6), today=dt.date(2027, 11, 6))  # the rest
    assert list(Payment.objects.filter(tranche=second).values_list("amount", flat=True)) == [
        Decimal("600000.00"),
        Decimal("1000000.00"),
    ]
    assert unpaid(running) == 0 and disbursed(running) == 4 * M
    # beyond the contract: every tranche is paid
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        pay(second, finance, "GK2026-0004", today=dt.date(2027, 11, 6))
    assert exc.value.code == "tranche_paid" and exc.value.message == "第2期已全额拨付（1,600,000.00 元）。"


def test_payment_refusals(paid, contract, finance, running):
    first, second = contract.tranches.order_by("seq")
    cases = [
        (
            second,
            {"ref": "GK2026-0001"},
            {"treasury_ref": ["国库支付凭证号“GK2026-0001”已登记过，不能重复使用。"]},
        ),
        (second, {"ref": " "}, {"treasury_ref": ["请填写国库支付凭证号。"]}),
        (second, {"ref": "X" * 61}, {"treasury_ref": ["国库支付凭证号不能超过60个字符。"]}),
        (second, {"ref": "A1", "paid_on": "2026-11-03"}, {"paid_on": ["拨付日期不能晚于今天。"]}),
        (
            second,
            {"ref": "A1", "paid_on": "2026-10-19"},
            {"paid_on": ["拨付日期不能早于任务书签订日期（2026-10-20）。"]},
        ),
        (
            second,
            {"ref": "A1", "paid_on": "11/01/2026"},
            {"paid_on": ["拨付日期“11/01/2026”不是有效的日期（格式：2026-03-01）。"]},
        ),
        (second, {"ref": "A1", "amount": "多少"}, {"amount": ["拨付金额：金额“多少”不是有效的数字。"]}),
        (second, {"ref": "A1", "amount": "-5"}, {"amount": ["拨付金额：金额必须大于零。"]}),
        (
            second,
            {"ref": "A1", "amount": "0.001"},
            {"amount": ["拨付金额：金额最多保留两位小数（到分）：0.001。"]},
        ),
        (second, {"ref": "A1", "note": "注" * 301}, {"note": ["备注不能超过300个字符。"]}),
        (
            second,
            {"ref": "A1", "amount": "1600000.01"},
            {
                "amount": [
                    "第2期计划 1,600,000.00 元，已拨 0.00 元，本次最多可拨 1,600,000.00 元，不能拨付 1,600,000.01 元。"
                ]
            },
        ),
    ]
    for tranche, kw, errors in cases:
        ref = kw.pop("ref")
        with nothing_changed(), pytest.raises(ServiceError) as exc:
            pay(tranche, finance, ref, **kw)
        assert exc.value.errors == errors, errors
        assert exc.value.message == next(iter(errors.values()))[0]
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        pay(first, finance, "A1")
    assert exc.value.message == "第1期已全额拨付（2,400,000.00 元）。"


def test_tranches_are_paid_in_order(running, contract, finance):
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        pay(contract.tranches.get(seq=2), finance, "A1")
    assert (
        exc.value.code == "earlier_tranche_open"
        and exc.value.message == "第1期尚未拨付完毕，请先拨付前一期。"
    )


def test_no_payment_while_payments_are_suspended(running, contract, finance):
    Project.objects.filter(pk=running.pk).update(state="suspended")  # TEST SETUP ONLY: sanctions suspends
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        pay(contract.tranches.get(seq=1), finance, "A1")
    assert exc.value.code == "payments_suspended"
    assert exc.value.message == f"项目 {running.number} 已暂停拨款，解除暂停前不能拨付。"


def test_no_payment_before_both_signatures(contract, project, unit_user, finance):
    services.sign_contract(contract, actor=unit_user, signatory="王海涛", today=SIGNED_ON)
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        pay(contract.tranches.get(seq=1), finance, "A1")
    assert exc.value.code == "project_not_payable"
    assert exc.value.message == f"项目 {project.number} 当前状态为“预算已安排，待签任务书”，不能拨付。"


def test_no_payment_before_the_statutory_approval_nor_before_the_fiscal_year(
    final_items, finance, office, applicant_of, officer_of
):
    b = final_items[1]
    project = services.arrange_item(b, actor=finance, fiscal_year=2027, statutory_approved=False)
    contract = services.generate_contract(project, actor=office)
    services.sign_contract(
        contract, actor=applicant_of(project.organisation), signatory="甲", today=SIGNED_ON
    )
    services.sign_contract(contract, actor=officer_of(project.department), signatory="乙", today=SIGNED_ON)
    first = contract.tranches.get(seq=1)
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        pay(first, finance, "A1")
    assert exc.value.code == "not_statutory_approved"
    assert exc.value.message == f"项目 {project.number} 的预算尚未确认按法定程序批准，不能拨付。"
    services.confirm_statutory_approval(project, actor=finance)
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        pay(first, finance, "A1")
    assert exc.value.errors == {"paid_on": ["项目预算安排在2027年度，拨付日期不能早于2027年1月1日。"]}
    pay(first, finance, "A1", paid_on=dt.date(2027, 1, 4), today=dt.date(2027, 1, 4))
    assert disbursed(project) == Decimal("1800000.00")


def test_only_finance_pays(running, contract, office, auditor, leader, unit_user, dept_officer, applicant_of):
    first = contract.tranches.get(seq=1)
    for user in (office, auditor, leader, unit_user, dept_officer):
        with nothing_changed(), pytest.raises(NotAllowed):
            pay(first, user, "A1")
    stranger = applicant_of(factories.organisation())
    with nothing_changed(), pytest.raises(NotVisible):
        pay(first, stranger, "A1")


def test_the_ledger_reconciles_for_every_project(paid, running, project_b, finance, office, contract):
    contract_b = services.generate_contract(project_b, actor=office)
    pay(contract.tranches.get(seq=2), finance, "GK2", amount="100000.00", paid_on=TODAY)
    projects = list(Project.objects.all())
    balances = project_balances(projects)
    for p in projects:
        b = balances[p.pk]
        payments = sum((x.amount for x in p.payments.all()), Decimal("0.00"))
        assert b["committed"] == p.amount == b["paid"] + b["unpaid"] + b["released"]
        assert b["paid"] == payments == b["disbursed"] + b["recovered"] == disbursed(p)
        assert b["unpaid"] == unpaid(p) and b["released"] == 0
    assert balances[running.pk]["paid"] == Decimal("2500000.00")
    assert balances[project_b.pk] == {**balances[project_b.pk], "paid": 0, "unpaid": project_b.amount}
    assert contract_b.tranches.count() == 2
