"""reconcile() over equity investment (股权投资): staged payments (commitment → disbursed), an exit
(principal disbursed → pool, gain income → pool, loss disbursed → written off) and a 先投后股 write-off
— the year reconciles at every step, and an exit posted without its record is found."""

from decimal import Decimal

import pytest
from django.db import transaction

from techfund.core.models import Account
from techfund.core.services import ledger
from techfund.equity import services as equity
from techfund.funds.reconcile import reconcile
from tests.equity.conftest import *  # noqa: F403
from tests.equity.conftest import LATER, equity_project, pay, register_direct, register_ite

pytestmark = pytest.mark.django_db


def ok(fund_year):
    report = reconcile(fund_year)
    assert report.ok, report.text()
    return report


def test_stages_an_exit_at_a_loss_and_a_write_off_reconcile(fund_year, office, leader, finance, eq_project):
    inv = register_direct(eq_project, office)
    for stage in inv.stages.order_by("seq"):
        pay(stage, finance)
    report = ok(fund_year)
    assert report["payments_posted"].actual == Decimal("2000000.00")
    ex = equity.propose_exit(
        inv, actor=office, kind="sale", proceeds="1234567.89", reason="按协议退出", basis="纪要", today=LATER
    )
    equity.confirm_exit(ex, actor=finance, decision="concur", bank_ref="YH-1", received_on=LATER, today=LATER)
    report = ok(fund_year)
    exits = report["equity_exits"]
    assert exits.actual == Decimal("2000000.00")  # 1,234,567.89 principal back + 765,432.11 written off
    assert report["projects_disbursed"].actual == Decimal("0.00")

    other = equity_project(
        fund_year, office, leader, finance, amount="3000000.00", title="先投后股项目", area="major_projects"
    )
    ite = register_ite(other, office)
    pay(ite.stages.get(seq=1), finance)
    wo = equity.propose_write_off(ite, actor=office, reason="技术路线失败", basis="专家论证", today=LATER)
    equity.confirm_write_off(wo, actor=finance, decision="concur", opinion="同意。", today=LATER)
    report = ok(fund_year)
    assert report["equity_exits"].actual == Decimal("5000000.00")


def test_a_gain_and_a_return_posted_without_an_exit_are_found(fund_year, office, finance, eq_project):
    inv = register_direct(eq_project, office)
    pay(inv.stages.get(seq=1), finance)
    y = fund_year.year
    with transaction.atomic():
        ledger.transfer(
            Account.objects.get(code=f"fund:{y}:disbursed:{eq_project.number}"),
            Account.objects.get(code=f"fund:{y}:pool"),
            "100000.00",
            code="rogue.exit",
            memo="",
            year=y,
        )
    failed = {c.code for c in reconcile(fund_year).failed}
    assert {"equity_exits", "entries_referenced_once"} <= failed
