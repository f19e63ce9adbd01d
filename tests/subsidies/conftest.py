"""Fixtures for 贷款贴息: a Rizhao fund year (the decisions fixtures) with an interest-subsidy project
of 600,000 arranged for an enterprise, its subsidy agreement signed by both sides (in progress), the
published reference rates, and a loan with its drawdown and a year of interest evidence.

Rizhao's preset (鲁科贷-like): 40 %, rate capped at the LPR (1-year for loans up to five years),
360-day basis, at most 500,000 per enterprise, once per enterprise, paid after the interest.

- ``loan``: 10,000,000 at 4.20 % from 2025-01-01 to 2027-01-01 (two years → 1-year LPR), drawn in full
  on 2025-01-01, interest paid quarterly for 2025 (``interest_2025``).
"""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest

from techfund.core.enums import Role
from techfund.core.models import Account, AuditEvent, JournalEntry, Posting
from techfund.core.services import ledger
from techfund.projects import services as project_services
from techfund.subsidies import services as subsidies
from techfund.subsidies.models import Drawdown, InterestPayment, Loan, ReferenceRate, Repayment, SubsidyClaim
from techfund.treasury.models import PaymentInstruction
from tests import factories
from tests.projects.conftest import *  # noqa: F403
from tests.projects.conftest import SIGNED_ON
from tests.projects.helpers import make_final_item

D = Decimal
TODAY = dt.date(2026, 11, 10)
YEAR_2025 = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
#: Quarterly interest on 10,000,000 at 4.20 % on a 360-day basis (what the bank charged):
#: 420,000 × 90/360 = 105,000.00; × 91/360 = 106,166.67; × 92/360 = 107,333.33 (twice) → 425,833.33.
QUARTERS_2025 = [
    (dt.date(2025, 1, 1), dt.date(2025, 3, 31), "105000.00", dt.date(2025, 3, 21)),
    (dt.date(2025, 4, 1), dt.date(2025, 6, 30), "106166.67", dt.date(2025, 6, 21)),
    (dt.date(2025, 7, 1), dt.date(2025, 9, 30), "107333.33", dt.date(2025, 9, 21)),
    (dt.date(2025, 10, 1), dt.date(2025, 12, 31), "107333.33", dt.date(2025, 12, 21)),
]
#: 10,000,000 × min(4.20 %, LPR) × 40 % for 2025, cut at the LPR change of 2025-05-20:
#:   1-01…5-19 139 days at 3.10 %: 124,000 × 139/360 = 47,877.777… → 47,877.78
#:   5-20…12-31 226 days at 3.00 %: 120,000 × 226/360 = 75,333.333… → 75,333.33     total 123,211.11
AMOUNT_2025 = D("123211.11")

MODELS = (
    Loan,
    Drawdown,
    Repayment,
    InterestPayment,
    SubsidyClaim,
    ReferenceRate,
    PaymentInstruction,
    JournalEntry,
    Posting,
)


def counts() -> dict:
    out = {m.__name__: m.objects.count() for m in MODELS}
    out["AuditEvent"] = AuditEvent.objects.exclude(action__startswith="auth.").count()
    out["claims"] = sorted(
        SubsidyClaim.objects.values_list(
            "id", "state", "amount", "submitted_by", "verified_by", "approved_by"
        )
    )
    out["rates"] = sorted(ReferenceRate.objects.values_list("id", "rate", "source"))
    out["balances"] = sorted(
        (a.code, ledger.balance(a)) for a in Account.objects.exclude(kind="source").order_by("code")
    )
    return out


@contextlib.contextmanager
def nothing_saved():
    """Asserts that the block writes no loan record, claim, rate, ledger entry or audit event."""
    before = counts()
    yield
    assert counts() == before


def balance(code: str) -> Decimal:
    acct = Account.objects.filter(code=code).first()
    return ledger.balance(acct) if acct else ledger.ZERO


def unpaid(project) -> Decimal:
    return balance(f"fund:{project.fund_year.year}:commitment:{project.number}")


def disbursed(project) -> Decimal:
    return balance(f"fund:{project.fund_year.year}:disbursed:{project.number}")


def set_policy(project, **rules) -> None:
    """TEST SETUP ONLY: change the fund year's interest-subsidy rule table (a city variant)."""
    profile = project.fund_year.profile
    profile.rules["interest_subsidy"] = {**profile.rules["interest_subsidy"], **rules}
    profile.save(update_fields=["rules"])


def subsidy_project(fund_year, office, leader, finance, *, amount="600000.00", organisation=None):
    """An interest-subsidy project arranged by finance, its agreement signed by the unit and the
    department (in progress). Returns (project, unit user, department officer)."""
    item = make_final_item(
        fund_year,
        office,
        leader,
        amount=amount,
        support_mode="interest_subsidy",
        implementing=organisation,
        title="高端装备研发贷款贴息",
    )
    project = project_services.arrange_item(item, actor=finance, statutory_approved=True)
    contract = project_services.generate_contract(project, actor=office)
    unit = factories.user(Role.APPLICANT, organisation=project.organisation)
    dept = factories.user(Role.DEPARTMENT, department=project.department)
    project_services.sign_contract(contract, actor=unit, signatory="企业法定代表人", today=SIGNED_ON)
    project_services.sign_contract(contract, actor=dept, signatory="业务处负责人", today=SIGNED_ON)
    project.refresh_from_db()
    return project, unit, dept


def make_loan(
    project,
    unit,
    *,
    principal="10000000.00",
    rate="4.20",
    start=None,
    maturity=None,
    number=None,
    bank="日照银行",
):
    return subsidies.register_loan(
        project,
        actor=unit,
        bank=bank,
        contract_number=number or f"RZ-{Loan.objects.count() + 1:04d}",
        principal=principal,
        annual_rate=rate,
        start_date=start or dt.date(2025, 1, 1),
        maturity_date=maturity or dt.date(2027, 1, 1),
        purpose="购置研发设备及补充研发流动资金",
    )


def pay_interest(loan, unit, quarters=QUARTERS_2025, *, prefix="FX"):
    for i, (a, b, amount, paid_on) in enumerate(quarters, start=1):
        subsidies.record_interest(
            loan,
            actor=unit,
            period_start=a,
            period_end=b,
            amount=amount,
            paid_on=paid_on,
            receipt_ref=f"{prefix}{loan.pk}-{a:%Y%m}-{i}",
            today=TODAY,
        )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Evidence files go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def rates(db):
    subsidies.seed_published()


@pytest.fixture
def sub(fund_year, office, leader, finance, rates):
    """(project, unit user, department officer)."""
    return subsidy_project(fund_year, office, leader, finance)


@pytest.fixture
def sub_project(sub):
    return sub[0]


@pytest.fixture
def unit(sub):
    return sub[1]


@pytest.fixture
def dept(sub):
    return sub[2]


@pytest.fixture
def loan(sub_project, unit):
    loan = make_loan(sub_project, unit)
    subsidies.record_drawdown(
        loan, actor=unit, drawn_on=dt.date(2025, 1, 1), amount="10000000.00", today=TODAY
    )
    return loan


@pytest.fixture
def interest_2025(loan, unit):
    pay_interest(loan, unit)
    return loan


@pytest.fixture
def draft(interest_2025, unit):
    return subsidies.file_claim(
        interest_2025, actor=unit, period_start=YEAR_2025[0], period_end=YEAR_2025[1], today=TODAY
    )


@pytest.fixture
def submitted(draft, unit):
    return subsidies.submit_claim(draft, actor=unit, today=TODAY)


@pytest.fixture
def verified(submitted, dept):
    return subsidies.verify_claim(submitted, actor=dept, decision="concur", opinion="材料齐全。", today=TODAY)


@pytest.fixture
def approved(verified, finance):
    return subsidies.approve_claim(verified, actor=finance, decision="concur", today=TODAY)


@pytest.fixture
def other_unit(db):
    return factories.user(Role.APPLICANT)


@pytest.fixture
def other_dept(db):
    return factories.user(Role.DEPARTMENT)
