"""The full treasury path of a stage: finance instructs it, a batch is exported, the treasury's
confirmation is imported, and the ``equity_stage`` purpose pays the stage — never beyond the committed
amount, pending instructions included."""

from decimal import Decimal

import pytest

from techfund.core.errors import NotAllowed, ServiceError
from techfund.equity import services
from techfund.treasury import services as treasury
from tests.equity.conftest import assert_identity, disbursed, nothing_saved, unpaid
from tests.treasury.conftest import BANK_CODE, confirmation_csv, paid_row


@pytest.fixture
def investee_account(eq_project, investee, finance):
    acc = treasury.record_account(
        eq_project.organisation,
        actor=investee,
        account_name=eq_project.organisation.name,
        bank_name="日照银行科技支行",
        account_number="6230 9100 0000 7777 01",
        bank_code=BANK_CODE,
    )
    return treasury.verify_account(acc, actor=finance)


def confirm(instruction, fund_year, finance, ref):
    batch = treasury.create_batch(fund_year, actor=finance)
    treasury.export_batch(batch, actor=finance, fmt="xlsx")
    batch.refresh_from_db()
    treasury.import_confirmations(
        batch, confirmation_csv([paid_row(instruction, ref)]), actor=finance, filename="r.csv"
    )


def test_full_path_pays_the_stage(direct, eq_project, investee_account, finance, finance2):
    s1 = direct.stages.get(seq=1)
    ins = services.instruct_stage(s1, actor=finance)
    assert (ins.purpose, ins.amount, ins.payee_id) == (
        "equity_stage",
        Decimal("1200000.00"),
        eq_project.organisation_id,
    )
    assert treasury.pending_amount(s1) == Decimal("1200000.00")
    # instructed, not paid: nothing moved yet, and the same stage is not instructed twice
    assert disbursed(eq_project) == 0
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.instruct_stage(s1, actor=finance)
    assert exc.value.code == "stage_pending"
    # the next stage waits for the first
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.instruct_stage(direct.stages.get(seq=2), actor=finance)
    assert exc.value.code == "earlier_stage_open"
    confirm(ins, eq_project.fund_year, finance2, "GK-EQ-0001")
    s1.refresh_from_db()
    direct.refresh_from_db()
    assert (s1.state, s1.treasury_ref, direct.state) == ("paid", "GK-EQ-0001", "invested")
    assert disbursed(eq_project) == Decimal("1200000.00")
    assert_identity(direct)
    ins2 = services.instruct_stage(direct.stages.get(seq=2), actor=finance)
    confirm(ins2, eq_project.fund_year, finance2, "GK-EQ-0002")
    assert disbursed(eq_project) == Decimal("2000000.00")
    assert unpaid(eq_project) == Decimal("3000000.00")
    assert_identity(direct)


def test_never_beyond_the_commitment_with_pending_instructions(direct, eq_project, investee_account, finance):
    """Another instruction against the same project (here 4,000,000 of the 5,000,000 commitment,
    instructed through the treasury for the project's contract) is pending: the commitment less what
    is pending (1,000,000) no longer covers the 1,200,000 stage."""
    treasury.instruct(
        actor=finance,
        purpose="grant_tranche",
        source=eq_project.contract,
        payee=eq_project.organisation,
        amount="4000000.00",
        fund_year=eq_project.fund_year,
        project=eq_project,
        memo="同一项目的其他支付",
    )
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.instruct_stage(direct.stages.get(seq=1), actor=finance)
    assert exc.value.code == "exceeds_commitment"
    assert "未拨付的承诺余额 5,000,000.00 元，其中 4,000,000.00 元已生成支付指令待确认" in str(
        exc.value.message
    )


def test_only_finance_instructs(direct, investee_account, office):
    with nothing_saved(), pytest.raises(NotAllowed):
        services.instruct_stage(direct.stages.get(seq=1), actor=office)


def test_not_while_suspended(direct, eq_project, investee_account, office, finance, finance2):
    from techfund.sanctions import services as sanctions

    order = sanctions.propose_sanction(eq_project, actor=office, kind="suspend", reason="检查", basis="纪要")
    sanctions.decide_sanction(order, actor=finance2, decision="concur")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.instruct_stage(direct.stages.get(seq=1), actor=finance)
    assert exc.value.code == "project_not_payable"
