"""Paying an approved claim through the treasury (直通车): finance instructs, the treasury's
confirmation posts commitment → disbursed and marks the claim paid; a return makes it payable
again; nothing is instructed twice or beyond the project's commitment."""

import datetime as dt
from decimal import Decimal as D

import pytest

from techfund.core.errors import ServiceError
from techfund.core.models import JournalEntry
from techfund.core.services import ledger
from techfund.sanctions import services as sanctions
from techfund.subsidies import services
from techfund.subsidies.enums import ClaimState
from techfund.treasury import services as treasury
from techfund.treasury.enums import InstructionState
from tests.subsidies.conftest import AMOUNT_2025, TODAY, disbursed, nothing_saved, unpaid
from tests.treasury.conftest import ACCOUNT_NUMBER, BANK_CODE, confirmation_csv, paid_row


@pytest.fixture
def payee(sub_project, unit, finance):
    acc = treasury.record_account(
        sub_project.organisation,
        actor=unit,
        account_name=sub_project.organisation.name,
        bank_name="中国工商银行日照分行",
        account_number=ACCOUNT_NUMBER,
        bank_code=BANK_CODE,
    )
    return treasury.verify_account(acc, actor=finance)


@pytest.fixture
def finance2(db):
    from techfund.core.enums import Role
    from tests import factories

    return factories.user(Role.FINANCE)


def _batch(project, finance):
    batch = treasury.create_batch(project.fund_year, actor=finance)
    treasury.export_batch(batch, actor=finance, fmt="csv")
    batch.refresh_from_db()
    return batch


def test_full_path_through_the_treasury(approved, payee, sub_project, finance, finance2):
    instruction = services.instruct_claim(approved, actor=finance, today=TODAY)
    approved.refresh_from_db()
    assert approved.state == ClaimState.INSTRUCTED
    assert (instruction.purpose, instruction.amount, instruction.payee) == (
        "interest_subsidy",
        AMOUNT_2025,
        sub_project.organisation,
    )
    assert treasury.pending_amount(approved) == AMOUNT_2025
    # nothing moved yet; a second instruction for the same claim is refused
    assert unpaid(sub_project) == D("600000.00") and disbursed(sub_project) == 0
    with nothing_saved(), pytest.raises(ServiceError):
        services.instruct_claim(approved, actor=finance, today=TODAY)
    batch = _batch(sub_project, finance)
    imp = treasury.import_confirmations(
        batch, confirmation_csv([paid_row(instruction, "GK-TX-0001")]), actor=finance2, filename="回单.csv"
    )
    assert (imp.matched, imp.problems) == (1, 0)
    approved.refresh_from_db()
    instruction.refresh_from_db()
    assert approved.state == ClaimState.PAID and instruction.state == InstructionState.CONFIRMED
    assert (approved.paid_on, approved.treasury_ref) == (dt.date(2026, 11, 5), "GK-TX-0001")
    # commitment → disbursed, to the fen
    assert unpaid(sub_project) == D("600000.00") - AMOUNT_2025 == D("476788.89")
    assert disbursed(sub_project) == AMOUNT_2025
    assert approved.entry.code == "subsidies.claim.paid"
    assert ledger.trial_balance()["total"] == 0
    # the paid claim counts against the enterprise cap (500,000 − 123,211.11 left)
    assert services.enterprise_used(sub_project.organisation) == AMOUNT_2025


def test_returned_payment_makes_the_claim_payable_again(approved, payee, sub_project, finance, finance2):
    instruction = services.instruct_claim(approved, actor=finance, today=TODAY)
    batch = _batch(sub_project, finance)
    row = [
        instruction.number,
        "",
        f"{instruction.amount}",
        instruction.account_number,
        "",
        "退回",
        "账户冻结",
    ]
    treasury.import_confirmations(batch, confirmation_csv([row]), actor=finance2, filename="退回.csv")
    approved.refresh_from_db()
    assert approved.state == ClaimState.APPROVED and unpaid(sub_project) == D("600000.00")
    again = services.instruct_claim(approved, actor=finance, today=TODAY)
    assert again.pk != instruction.pk and treasury.pending_amount(approved) == AMOUNT_2025


def test_a_cancelled_instruction_may_be_made_again(approved, payee, finance):
    instruction = services.instruct_claim(approved, actor=finance, today=TODAY)
    treasury.cancel_instruction(instruction, actor=finance, reason="收款账户需更正")
    approved.refresh_from_db()
    assert approved.state == ClaimState.INSTRUCTED and treasury.pending_amount(approved) == 0
    services.instruct_claim(approved, actor=finance, today=TODAY)
    assert treasury.pending_amount(approved) == AMOUNT_2025


def test_handlers_directly(approved, payee, sub_project, finance):
    instruction = services.instruct_claim(approved, actor=finance, today=TODAY)
    from django.db import transaction

    with transaction.atomic():
        entry = services.on_confirmed(instruction, actor=finance, paid_on=TODAY, treasury_ref="GK-X")
    assert isinstance(entry, JournalEntry)
    approved.refresh_from_db()
    assert approved.state == ClaimState.PAID and disbursed(sub_project) == AMOUNT_2025
    # confirming twice is refused by the claim's state table
    with nothing_saved(), pytest.raises(ServiceError), transaction.atomic():
        services.on_confirmed(instruction, actor=finance, paid_on=TODAY, treasury_ref="GK-Y")


def test_instruct_refused_when_suspended_or_without_account(approved, sub_project, office, finance, finance2):
    # no verified payee account: the treasury refuses, nothing changes
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.instruct_claim(approved, actor=finance, today=TODAY)
    assert "payee" in exc.value.errors
    order = sanctions.propose_sanction(sub_project, actor=office, kind="suspend", reason="核查", basis="纪要")
    sanctions.decide_sanction(order, actor=finance2, decision="concur")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.instruct_claim(approved, actor=finance, today=TODAY)
    assert exc.value.code == "project_not_payable"


def test_never_beyond_the_commitment(approved, payee, sub_project, finance):
    # TEST SETUP: another claim of the project in flight takes most of the commitment
    from techfund.subsidies.models import SubsidyClaim

    SubsidyClaim.objects.filter(pk=approved.pk).update(amount=D("600000.01"), gross=D("600000.01"))
    approved.refresh_from_db()
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.instruct_claim(approved, actor=finance, today=TODAY)
    assert exc.value.code == "exceeds_commitment" and "600,000.00" in exc.value.message
