"""Fixtures for the treasury (直通车): the projects fixtures (A's project signed and running), a second
finance officer (verifications are by another person), and A's unit's verified payee account.

- ``account``: A's unit's account (户名 = the unit's name, 12-digit 联行号), recorded by the unit's
  applicant and verified by finance.
- ``instructed``: the first tranche (2,400,000) instructed through the treasury.
- ``sent``: ``instructed`` put in a batch and exported (the batch is sent).
"""

import csv
import io

import pytest
from openpyxl import Workbook

from techfund.core.enums import Role
from techfund.projects.services.payments import instruct_tranche
from techfund.treasury import services as treasury
from tests import factories
from tests.projects.conftest import *  # noqa: F403

ACCOUNT_NUMBER = "6222 0210 0100 1234 567"
BANK_CODE = "102473000012"


@pytest.fixture
def finance2(db):
    return factories.user(Role.FINANCE)


@pytest.fixture
def account(project, unit_user, finance):
    acc = treasury.record_account(
        project.organisation,
        actor=unit_user,
        account_name=project.organisation.name,
        bank_name="中国工商银行日照分行",
        account_number=ACCOUNT_NUMBER,
        bank_code=BANK_CODE,
    )
    return treasury.verify_account(acc, actor=finance)


@pytest.fixture
def instructed(running, contract, account, finance):
    return instruct_tranche(contract.tranches.get(seq=1), actor=finance)


@pytest.fixture
def sent(instructed, project, finance):
    batch = treasury.create_batch(project.fund_year, actor=finance)
    treasury.export_batch(batch, actor=finance, fmt="xlsx")
    batch.refresh_from_db()
    return batch


HEADER = ["指令编号", "支付凭证号", "金额", "银行账号", "支付日期", "状态", "退回原因"]


def confirmation_csv(rows) -> bytes:
    """A treasury result file (CSV, UTF-8 with BOM) of ``rows`` (lists in HEADER order)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    for r in rows:
        w.writerow(r)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def confirmation_xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def paid_row(instruction, ref, *, amount=None, account=None, day="2026-11-05"):
    return [
        instruction.number,
        ref,
        f"{amount if amount is not None else instruction.amount}",
        account if account is not None else instruction.account_number,
        day,
        "已支付",
        "",
    ]
