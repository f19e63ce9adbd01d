"""Fixtures for risk compensation: the decisions fixtures' Rizhao fund year (key_rd allocated
5,000,000), a partner bank under agreement, its pool funded 3,000,000 from key_rd and managed by
科技局, a registered tech SME borrower, and the people of each claim step.

Helpers take a loan through its filings and a claim through its steps by the services.
"""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest

from techfund.core.enums import OrganisationKind, Qualification, Role
from techfund.core.models import Account, AuditEvent, Department, JournalEntry, Posting
from techfund.core.services import ledger
from techfund.riskpool import services as rp
from techfund.riskpool.models import (
    BankRecovery,
    CoveredLoan,
    DefaultClaim,
    LoanFiling,
    PartnerBank,
    PoolMovement,
    RiskPool,
)
from tests import factories
from tests.decisions.conftest import *  # noqa: F403

START = dt.date(2026, 1, 15)
REGISTERED_ON = dt.date(2026, 1, 20)
DEFAULT_ON = dt.date(2026, 6, 18)
CLAIMED_ON = dt.date(2026, 7, 15)
FUNDED = Decimal("3000000.00")

MODELS = (
    PartnerBank,
    RiskPool,
    PoolMovement,
    CoveredLoan,
    LoanFiling,
    DefaultClaim,
    BankRecovery,
    JournalEntry,
    Posting,
)


def counts() -> dict:
    out = {m.__name__: m.objects.count() for m in MODELS}
    out["AuditEvent"] = AuditEvent.objects.exclude(action__startswith="auth.").count()
    out["claims"] = sorted(DefaultClaim.objects.values_list("id", "state", "compensation"))
    out["loans"] = sorted(CoveredLoan.objects.values_list("id", "state"))
    return out


@contextlib.contextmanager
def nothing_saved():
    before = counts()
    yield
    assert counts() == before


def balance(code: str) -> Decimal:
    acct = Account.objects.filter(code=code).first()
    return ledger.balance(acct) if acct else ledger.ZERO


def set_rules(fund_year, **values) -> None:
    """TEST SETUP ONLY: a policy variant of the fund year's risk_compensation table."""
    profile = fund_year.profile
    rules = dict(profile.rules)
    rules["risk_compensation"] = {**rules["risk_compensation"], **values}
    profile.rules = rules
    profile.save(update_fields=["rules"])
    fund_year.profile.refresh_from_db()


@pytest.fixture
def bank_org(db):
    return factories.organisation(name="日照银行股份有限公司", kind=OrganisationKind.BANK)


@pytest.fixture
def office2(db):
    return factories.user(Role.OFFICE)


@pytest.fixture
def finance2(db):
    return factories.user(Role.FINANCE)


@pytest.fixture
def st_officer(fund_year):
    """An officer of 科技局, the pool's managing department."""
    return factories.user(Role.DEPARTMENT, department=Department.objects.get(code="science_technology"))


@pytest.fixture
def other_officer(fund_year):
    return factories.user(Role.DEPARTMENT, department=Department.objects.get(code="industry_it"))


@pytest.fixture
def bank(bank_org, office):
    return rp.register_bank(
        actor=office,
        organisation=bank_org,
        code="rzbank",
        agreement_ref="科技贷款风险补偿合作协议〔2026〕1号",
        agreement_start=dt.date(2026, 1, 1),
        agreement_end=dt.date(2028, 12, 31),
        bank_share="0.30",
    )


@pytest.fixture
def pool(fund_year, bank, finance):
    p = rp.open_pool(
        fund_year, actor=finance, bank=bank, focus_area="key_rd", department="science_technology"
    )
    rp.fund_pool(p, actor=finance, amount=FUNDED, today=dt.date(2026, 1, 5))
    return p


@pytest.fixture
def borrower(db):
    return factories.organisation(name="日照海工智能科技有限公司", qualifications=[Qualification.TECH_SME])


def loan_data(**kw) -> dict:
    data = {
        "contract_number": "RZ-2026-001",
        "principal": "8000000.00",
        "rate": "5.175",
        "benchmark_rate": "3.45",
        "benchmark_basis": "2026年1月一年期LPR 3.45%（银行提供）",
        "start_date": START,
        "term_months": 36,
        "guarantee_type": "credit",
        "first_loan": False,
        "evidence": "借款合同及放款凭证",
    }
    data.update(kw)
    return data


def register(pool, office, borrower, **kw):
    return rp.register_loan(
        pool, actor=office, borrower=borrower, today=REGISTERED_ON, **{**loan_data(), **kw}
    )


@pytest.fixture
def loan(pool, office, borrower):
    return register(pool, office, borrower)


def file_months(loan, office, months, *, outstanding=None, late=False):
    """File each (year, month) on the 5th of the next month (after the 10th when ``late``)."""
    out = []
    for y, m in months:
        nxt = dt.date(y + (m == 12), m % 12 + 1, 15 if late else 5)
        out.append(
            rp.file_month(
                loan,
                actor=office,
                month=dt.date(y, m, 1),
                outstanding=outstanding or loan.principal,
                filed_on=nxt,
                today=dt.date(2026, 12, 31),
            )
        )
    return out


FIRST_HALF = [(2026, m) for m in range(1, 7)]


@pytest.fixture
def filed(loan, office):
    file_months(loan, office, FIRST_HALF)
    return loan


def claim(loan, office, *, loss="6543210.98", other_public="0", default_date=DEFAULT_ON):
    return rp.submit_claim(
        loan,
        actor=office,
        default_date=default_date,
        loss=loss,
        other_public=other_public,
        evidence="逾期90天认定损失的说明、诉讼材料",
        today=CLAIMED_ON,
    )


def through_approval(c, office2, st_officer):
    rp.review_claim(c, actor=office2, decision="approve", opinion="材料齐全", today=dt.date(2026, 7, 20))
    rp.approve_claim(c, actor=st_officer, decision="approve", opinion="同意", today=dt.date(2026, 7, 25))
    c.refresh_from_db()
    return c


PAID_ON = dt.date(2026, 8, 3)


def bank_account(bank_org, finance, finance2):
    """The bank's payee account, recorded by finance and verified by another finance officer."""
    from techfund.treasury import services as treasury

    acc = treasury.record_account(
        bank_org,
        actor=finance,
        account_name=bank_org.name,
        bank_name="日照银行营业部",
        account_number="6222 0000 1111 2222",
        bank_code="313473070018",
    )
    return treasury.verify_account(acc, actor=finance2, approve=True)


def confirm(instruction, finance, *, status="支付成功", ref=None, paid_on=PAID_ON):
    """Batch the instruction, export the batch and import the treasury's confirmation (csv)."""
    from techfund.treasury import services as treasury
    from techfund.treasury.services import batches, confirmations

    instruction.refresh_from_db()
    batch = batches.create_batch(instruction.fund_year, actor=finance, instructions=[instruction])
    batches.export_batch(batch, actor=finance, fmt="csv")
    instruction.refresh_from_db()
    ref = ref or f"GK{instruction.pk:06d}"
    csv = (
        "指令编号,支付凭证号,金额,银行账号,支付日期,状态,退回原因\n"
        f"{instruction.number},{ref},{instruction.amount},{instruction.account_number},{paid_on.isoformat()},{status},"
        f"{'户名不符' if status != '支付成功' else ''}\n"
    ).encode()
    assert treasury  # the package's services are importable
    return confirmations.import_confirmations(
        batch, csv, actor=finance, filename="r.csv", today=dt.date(2026, 8, 5)
    )


def pay(c, finance, *, ref=None):
    instruction = rp.instruct_payment(c, actor=finance)
    confirm(instruction, finance, ref=ref)
    c.refresh_from_db()
    return c
