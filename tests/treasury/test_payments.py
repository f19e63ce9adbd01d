"""The grant path through the treasury: instruct → batch → export (xlsx and csv, parsed back) →
import the treasury's confirmation → Payment, ledger, audit. Mismatches listed and nothing posted;
re-import harmless; returned → payable again; cancelled never paid; the two paths never overpay."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent, JournalEntry
from techfund.core.services import ledger
from techfund.projects import accounts
from techfund.projects.models import Payment
from techfund.projects.services import pay_tranche
from techfund.projects.services.payments import instruct_tranche
from techfund.treasury import services
from techfund.treasury.enums import BatchState, InstructionState
from techfund.treasury.models import PaymentInstruction
from tests.treasury.conftest import (
    ACCOUNT_NUMBER,
    BANK_CODE,
    confirmation_csv,
    confirmation_xlsx,
    paid_row,
)

AMOUNT = Decimal("2400000.00")
COLUMNS = [
    "序号",
    "指令编号",
    "收款单位",
    "统一社会信用代码",
    "户名",
    "开户银行",
    "联行号",
    "银行账号",
    "金额",
    "用途",
    "项目编号",
]


def disbursed(project):
    return ledger.balance(accounts.disbursed_account(project))


def test_round_trip_xlsx_and_csv(sent, instructed, project, finance):
    instructed.refresh_from_db()
    assert instructed.state == InstructionState.BATCHED and instructed.batch == sent
    assert sent.state == BatchState.SENT and len(sent.file_hashes) == 1
    assert services.pending_amount(instructed_source := project.contract.tranches.get(seq=1)) == AMOUNT
    # the Excel file, parsed back
    ws = load_workbook(io.BytesIO(services.export_batch(sent, actor=finance)), read_only=True).worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == COLUMNS
    assert rows[1] == [
        1,
        instructed.number,
        project.organisation.name,
        project.organisation.uscc,
        project.organisation.name,
        "中国工商银行日照分行",
        BANK_CODE,
        ACCOUNT_NUMBER.replace(" ", ""),
        2400000,
        "科技项目资金（无偿资助）：" + instructed.memo,
        project.number,
    ]
    assert len(rows) == 2
    # the CSV file, parsed back
    data = services.export_batch(sent, actor=finance, fmt="csv")
    assert data.startswith("\ufeff".encode())
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed[0] == COLUMNS
    assert parsed[1][1] == instructed.number and parsed[1][7] == ACCOUNT_NUMBER.replace(" ", "")
    assert parsed[1][8] == "2400000.00"
    sent.refresh_from_db()
    assert [h["fmt"] for h in sent.file_hashes] == ["xlsx", "xlsx", "csv"]
    # nothing paid yet
    assert disbursed(project) == 0 and not Payment.objects.exists()
    # the treasury's confirmation
    imp = services.import_confirmations(
        sent, confirmation_xlsx([paid_row(instructed, "GK-2026-777")]), actor=finance, filename="回单.xlsx"
    )
    assert (imp.matched, imp.problems) == (1, 0)
    instructed.refresh_from_db()
    assert instructed.state == InstructionState.CONFIRMED and instructed.treasury_ref == "GK-2026-777"
    assert instructed.paid_on == dt.date(2026, 11, 5)
    payment = Payment.objects.get()
    assert (payment.amount, payment.treasury_ref, payment.instruction, payment.entry) == (
        AMOUNT,
        "GK-2026-777",
        instructed,
        instructed.entry,
    )
    assert disbursed(project) == AMOUNT
    assert ledger.balance(accounts.commitment_account(project)) == Decimal("1600000.00")
    assert services.pending_amount(instructed_source) == 0
    assert AuditEvent.objects.filter(action="projects.payment.made", target_id=str(payment.pk)).count() == 1
    assert AuditEvent.objects.filter(action="treasury.instruction.confirmed").count() == 1
    sent.refresh_from_db()
    assert sent.state == BatchState.RECONCILED
    rep = services.reconcile_batch(sent)
    assert (rep.instructed.amount, rep.confirmed.amount, rep.outstanding.count, rep.problems) == (
        AMOUNT,
        AMOUNT,
        0,
        [],
    )
    assert rep.balanced
    # re-importing the same file (csv this time, same rows) is harmless
    entries = JournalEntry.objects.count()
    again = services.import_confirmations(
        sent, confirmation_csv([paid_row(instructed, "GK-2026-777")]), actor=finance
    )
    assert (again.matched, again.problems) == (0, 0)
    assert again.rows.get().result == "duplicate" and again.rows.get().code == "repeat"
    assert JournalEntry.objects.count() == entries and Payment.objects.count() == 1


def test_every_mismatch_is_listed_and_nothing_posted(sent, instructed, project, finance, contract, account):
    rows = [
        paid_row(instructed, "GK-A", amount="2399999.99"),  # amount differs
        paid_row(instructed, "GK-B", account="6222000011112222"),  # account differs (same instruction twice)
        paid_row(instructed, "GK-A"),  # voucher repeated in the file
        ["ZF20269999999", "GK-C", "100.00", "12345678", "2026-11-05", "已支付", ""],  # unknown
        [instructed.number, "", "2400000.00", instructed.account_number, "2026-11-05", "已支付", ""],
        [instructed.number, "GK-D", "abc", instructed.account_number, "2026/13/40", "paid?", ""],
    ]
    entries = JournalEntry.objects.count()
    preview = services.preview_confirmations(sent, confirmation_csv(rows), actor=finance)
    assert [r.result for r in preview] == [
        "mismatch",
        "duplicate",
        "duplicate",
        "unknown",
        "mismatch",
        "mismatch",
    ]
    imp = services.import_confirmations(sent, confirmation_csv(rows), actor=finance)
    got = [(c.row, c.result, c.code, c.reason) for c in imp.rows.all()]
    assert got[0] == (2, "mismatch", "amount", "金额不符：指令 2,400,000.00 元，国库 2,399,999.99 元。")
    assert got[1][:3] == (3, "duplicate", "instruction_in_file")
    assert got[2][:3] == (4, "duplicate", "instruction_in_file")
    assert got[3] == (5, "unknown", "unknown", "没有编号为“ZF20269999999”的支付指令。")
    assert got[4][:3] == (6, "mismatch", "invalid") and "缺少支付凭证号" in got[4][3]
    assert got[5][:3] == (7, "mismatch", "invalid")
    assert "金额“abc”不是有效的金额。" in got[5][3] and "支付日期“2026/13/40”不是有效的日期。" in got[5][3]
    assert "状态“paid?”无法识别" in got[5][3]
    assert (imp.matched, imp.problems) == (0, 6)
    assert JournalEntry.objects.count() == entries and not Payment.objects.exists()
    instructed.refresh_from_db()
    assert instructed.state == InstructionState.BATCHED
    # account differs (alone) and a voucher already used by a manual payment
    imp = services.import_confirmations(
        sent, confirmation_csv([paid_row(instructed, "GK-B", account="6222000011112222")]), actor=finance
    )
    assert imp.rows.get().code == "account"
    assert imp.rows.get().reason == f"账号不符：指令 {instructed.account_number}，国库 6222000011112222。"
    assert not Payment.objects.exists()
    rep = services.reconcile_batch(sent)
    assert rep.outstanding.amount == AMOUNT and len(rep.problems) == 7
    assert services.reconciliation_xlsx(rep)[:2] == b"PK"


def test_voucher_used_elsewhere_and_already_confirmed(sent, instructed, project, finance, project_b):
    imp = services.import_confirmations(sent, confirmation_csv([paid_row(instructed, "GK-1")]), actor=finance)
    assert imp.matched == 1
    # same instruction, different voucher: already confirmed
    imp = services.import_confirmations(sent, confirmation_csv([paid_row(instructed, "GK-2")]), actor=finance)
    row = imp.rows.get()
    assert (row.result, row.code) == ("mismatch", "already_confirmed")
    assert row.reason == f"支付指令 {instructed.number} 已按凭证号 GK-1 确认支付，不能再次确认。"
    assert Payment.objects.count() == 1


def test_voucher_already_used_by_manual_payment(paid, contract, project, account, finance, finance2):
    second = contract.tranches.get(seq=2)
    ins = instruct_tranche(second, actor=finance)
    batch = services.create_batch(project.fund_year, actor=finance)
    services.export_batch(batch, actor=finance2, fmt="csv")
    imp = services.import_confirmations(
        batch, confirmation_csv([paid_row(ins, "GK2026-0001")]), actor=finance
    )
    row = imp.rows.get()
    assert (row.result, row.code, row.reason) == (
        "duplicate",
        "ref_used",
        "支付凭证号“GK2026-0001”已被其他支付使用。",
    )
    assert Payment.objects.count() == 1


def test_returned_is_payable_again(sent, instructed, contract, project, finance):
    tranche = contract.tranches.get(seq=1)
    with pytest.raises(ServiceError) as exc:
        instruct_tranche(tranche, actor=finance)
    assert exc.value.code == "tranche_instructed"
    row = [instructed.number, "", "2400000.00", instructed.account_number, "", "退回", "户名与账号不符"]
    imp = services.import_confirmations(sent, confirmation_csv([row]), actor=finance)
    assert imp.matched == 1
    instructed.refresh_from_db()
    assert instructed.state == InstructionState.RETURNED and instructed.return_reason == "户名与账号不符"
    assert services.pending_amount(tranche) == 0 and not Payment.objects.exists()
    again = instruct_tranche(tranche, actor=finance)
    assert again.amount == AMOUNT and again.state == InstructionState.PENDING
    # the returned row re-imported is harmless; a "paid" row for the returned instruction is refused
    imp = services.import_confirmations(sent, confirmation_csv([row]), actor=finance)
    assert [(c.result, c.code) for c in imp.rows.all()] == [("duplicate", "repeat")]
    imp = services.import_confirmations(sent, confirmation_csv([paid_row(instructed, "GK-9")]), actor=finance)
    assert [(c.result, c.code) for c in imp.rows.all()] == [("mismatch", "already_returned")]
    assert not Payment.objects.exists()


def test_instructing_beyond_the_tranche_is_refused(running, contract, account, finance, project):
    first = contract.tranches.get(seq=1)
    instruct_tranche(first, actor=finance, amount="2000000")
    with pytest.raises(ServiceError) as exc:
        instruct_tranche(first, actor=finance, amount="400000.01")
    assert exc.value.code == "exceeds_tranche"
    assert str(exc.value) == (
        "第1期计划 2,400,000.00 元，已拨 0.00 元，待国库确认 2,000,000.00 元，本次最多可拨 400,000.00 元，不能拨付 400,000.01 元。"
    )
    instruct_tranche(first, actor=finance, amount="400000")
    with pytest.raises(ServiceError) as exc:
        instruct_tranche(first, actor=finance)
    assert exc.value.code == "tranche_instructed"
    # the manual path counts the pending instructions too
    with pytest.raises(ServiceError) as exc:
        pay_tranche(first, actor=finance, treasury_ref="GK-X", paid_on=dt.date(2026, 10, 28), amount="1")
    assert exc.value.code == "tranche_instructed"
    # the second tranche waits for the first to be paid
    with pytest.raises(ServiceError) as exc:
        instruct_tranche(contract.tranches.get(seq=2), actor=finance)
    assert exc.value.code == "earlier_tranche_open"
    assert PaymentInstruction.objects.count() == 2


def test_cancelled_is_never_paid(instructed, project, finance, finance2):
    with pytest.raises(ServiceError) as exc:
        services.cancel_instruction(instructed, actor=finance, reason="")
    assert exc.value.errors == {"reason": ["请填写撤销原因。"]}
    services.cancel_instruction(instructed, actor=finance, reason="单位申请更换账户")
    instructed.refresh_from_db()
    assert instructed.state == InstructionState.CANCELLED and instructed.batch is None
    with pytest.raises(ServiceError) as exc:
        services.create_batch(project.fund_year, actor=finance)
    assert exc.value.code == "nothing_to_batch"
    # a cancelled instruction named in a treasury file is not paid
    other = instruct_tranche(project.contract.tranches.get(seq=1), actor=finance)
    batch = services.create_batch(project.fund_year, actor=finance)
    services.export_batch(batch, actor=finance)
    imp = services.import_confirmations(
        batch, confirmation_csv([paid_row(instructed, "GK-C")]), actor=finance
    )
    assert imp.rows.get().result == "unknown" and not Payment.objects.exists()
    with pytest.raises(ServiceError) as exc:
        services.cancel_instruction(other, actor=finance, reason="x")
    assert exc.value.code == "instruction_not_cancellable"


def test_import_before_export_and_bad_columns(instructed, project, finance):
    batch = services.create_batch(project.fund_year, actor=finance)
    with pytest.raises(ServiceError) as exc:
        services.import_confirmations(batch, confirmation_csv([paid_row(instructed, "GK")]), actor=finance)
    assert exc.value.code == "batch_not_sent"
    services.export_batch(batch, actor=finance)
    with pytest.raises(ServiceError) as exc:
        services.import_confirmations(batch, "指令编号,金额\nA,1\n".encode(), actor=finance)
    assert exc.value.code == "file_columns" and "银行账号、状态" in str(exc.value)


def test_instruct_checks(running, project, finance, contract, unit_user):
    tranche = contract.tranches.get(seq=1)
    with pytest.raises(ServiceError) as exc:
        instruct_tranche(tranche, actor=finance)
    assert str(exc.value) == f"{project.organisation.name} 尚未登记收款账户，不能生成支付指令。"
    with pytest.raises(ServiceError) as exc:
        services.instruct(
            actor=finance,
            purpose="nope",
            source=tranche,
            payee=project.organisation,
            amount="-1",
            fund_year=project.fund_year,
            project=project,
            memo="x" * 201,
        )
    assert set(exc.value.errors) == {"purpose", "amount", "payee", "memo"}
    assert exc.value.errors["purpose"] == ["支付用途“nope”未登记。"]
    assert not PaymentInstruction.objects.exists()


def test_suspended_project_refused(instructed, project, contract, finance):
    from techfund.projects.enums import ProjectState

    project.state = ProjectState.SUSPENDED  # TEST SETUP ONLY: as the sanctions service would leave it
    project.save(update_fields=["state"])
    services.cancel_instruction(instructed, actor=finance, reason="暂停")
    with pytest.raises(ServiceError) as exc:
        instruct_tranche(contract.tranches.get(seq=1), actor=finance)
    assert exc.value.code == "payments_suspended"


def test_non_grant_contract_has_no_tranches(fund_year, office, leader, finance):
    from techfund.projects.services import arrange_item
    from techfund.projects.services.contracts import generate_contract
    from tests.projects.helpers import make_final_item

    item = make_final_item(fund_year, office, leader, support_mode="post_award", title="后补助项目")
    p = arrange_item(item, actor=finance, statutory_approved=True)
    c = generate_contract(p, actor=office)
    assert c.tranches.count() == 0
