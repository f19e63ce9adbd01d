"""Fixtures for equity investment: Rizhao's fund year (tests.decisions.conftest), an equity final item
taken through the services to a project in progress (arranged by finance, statutory approval confirmed,
its 投资协议 / 任务书 signed by both sides), investments registered through the equity services, and
helpers that assert nothing was written and that the ledger reconciles.

- ``eq_project``: 5,000,000 arranged for 智能传感器产业化 (support mode equity), in progress.
- ``direct``: 股权直投 of 2,000,000 at a pre-money valuation of 8,000,000 → post 10,000,000, share
  20.000000 %; other shareholders 创始人 45 %, 员工持股平台 20 %, 天使投资 15 %; two stages of
  1,200,000 and 800,000.
- ``ite``: 先投后股 of 3,000,000 in one stage.
"""

import contextlib
import datetime as dt
import itertools
import types
from decimal import Decimal

import pytest
from django.db.models import Sum

from techfund.core import uscc
from techfund.core.enums import Role
from techfund.core.models import Account, AuditEvent, JournalEntry, Posting
from techfund.core.services import ledger, people
from techfund.equity import services as equity_services
from techfund.equity.models import CapTableEntry, Conversion, Exit, Investment, Stage, WriteOff
from techfund.projects import services as project_services
from tests import factories
from tests.projects.conftest import *  # noqa: F403
from tests.projects.conftest import SIGNED_ON
from tests.projects.helpers import make_final_item

VEHICLE = "日照市科技创新投资有限公司"
VEHICLE_USCC = uscc.make("91371100", "MA3C0001")
REGISTERED_ON = dt.date(2026, 10, 25)
PAID_ON = dt.date(2026, 11, 5)
LATER = dt.date(2027, 6, 30)
M = Decimal("1000000.00")
CAP = [
    {"name": "创始人王海", "share": "0.45"},
    {"name": "员工持股平台", "share": "0.20"},
    {"name": "天使投资基金", "share": "0.15"},
]
_refs = itertools.count(1)

MODELS = (Investment, Stage, CapTableEntry, Conversion, WriteOff, Exit, JournalEntry, Posting)


def counts() -> dict:
    out = {m.__name__: m.objects.count() for m in MODELS}
    out["AuditEvent"] = AuditEvent.objects.exclude(action__startswith="auth.").count()
    out["investments"] = sorted(Investment.objects.values_list("id", "state", "share"))
    out["stages"] = sorted(Stage.objects.values_list("id", "state"))
    out["steps"] = sorted(WriteOff.objects.values_list("id", "state")) + sorted(
        Exit.objects.values_list("id", "state")
    )
    out["balances"] = sorted(
        (a.code, ledger.balance(a)) for a in Account.objects.exclude(kind="source").order_by("code")
    )
    return out


@contextlib.contextmanager
def nothing_saved():
    """Asserts that the block writes no equity record, no ledger entry, no audit event, no state change."""
    before = counts()
    yield
    assert counts() == before


def balance(code: str) -> Decimal:
    acct = Account.objects.filter(code=code).first()
    return ledger.balance(acct) if acct else ledger.ZERO


def disbursed(project) -> Decimal:
    return balance(f"fund:{project.fund_year.year}:disbursed:{project.number}")


def unpaid(project) -> Decimal:
    return balance(f"fund:{project.fund_year.year}:commitment:{project.number}")


def written_off(project) -> Decimal:
    return balance(f"fund:{project.fund_year.year}:written_off:{project.number}")


def pool(project) -> Decimal:
    return balance(f"fund:{project.fund_year.year}:pool")


def income(project) -> Decimal:
    return balance(f"fund:{project.fund_year.year}:income:equity")


def assert_identity(inv) -> None:
    """invested = held + returned principal + written off, from the records and from the ledger."""
    inv.refresh_from_db()
    project = inv.project
    paid = Stage.objects.filter(investment=inv, state="paid").aggregate(s=Sum("amount"))["s"] or ledger.ZERO
    returned = Exit.objects.filter(investment=inv, state="confirmed").aggregate(s=Sum("principal"))["s"] or 0
    assert paid == disbursed(project) + returned + written_off(project)
    rows, _totals = equity_services.holdings(Investment.objects.filter(pk=inv.pk))
    h = rows[0]
    assert (h.invested, h.held, h.returned, h.written_off) == (
        paid,
        disbursed(project),
        returned,
        written_off(project),
    )
    assert h.reconciles
    assert ledger.trial_balance()["total"] == 0


def pay(stage, finance, *, paid_on=PAID_ON):
    """The treasury's confirmation of a stage, as the treasury import calls it: the ``equity_stage``
    purpose's ``on_confirmed`` with an instruction for the stage. Until the treasury stage lands this
    stands in for the instruction row (source and amount are all the handler reads); see
    test_treasury_path.py for the full path."""
    instruction = types.SimpleNamespace(pk=None, source_id=str(stage.pk), amount=stage.amount)
    return equity_services.stage_paid(
        instruction, actor=finance, paid_on=paid_on, treasury_ref=f"GK-EQ-{next(_refs)}"
    )


def equity_project(
    fund_year, office, leader, finance, *, amount="5000000.00", title="智能传感器产业化", area="key_rd"
):
    item = make_final_item(
        fund_year, office, leader, amount=amount, support_mode="equity", title=title, area=area
    )
    p = project_services.arrange_item(item, actor=finance, statutory_approved=True, note="股权投资试点")
    c = project_services.generate_contract(p, actor=office)
    unit = factories.user(Role.APPLICANT, organisation=p.organisation)
    officer = factories.user(Role.DEPARTMENT, department=p.department)
    project_services.sign_contract(c, actor=unit, signatory="企业法定代表人", today=SIGNED_ON)
    project_services.sign_contract(c, actor=officer, signatory="主管部门", today=SIGNED_ON)
    p.refresh_from_db()
    return p


@pytest.fixture
def eq_project(fund_year, office, leader, finance):
    return equity_project(fund_year, office, leader, finance)


@pytest.fixture
def investee(eq_project):
    """An applicant of the investee (the project's organisation)."""
    return factories.user(Role.APPLICANT, organisation=eq_project.organisation)


@pytest.fixture
def eq_officer(eq_project):
    return factories.user(Role.DEPARTMENT, department=eq_project.department)


@pytest.fixture
def finance2(db):
    return factories.user(Role.FINANCE)


@pytest.fixture
def office2(db):
    return factories.user(Role.OFFICE)


@pytest.fixture
def office_finance(db):
    """One person holding both the office and the finance role (may not sign twice)."""
    u = factories.user(Role.OFFICE)
    people.grant_role(actor=None, user=u, role=Role.FINANCE)
    u.forget_grants()
    return u


def register_direct(project, office, **kw):
    data = {
        "instrument": "direct",
        "vehicle_name": VEHICLE,
        "vehicle_uscc": VEHICLE_USCC,
        "amount": "2000000.00",
        "agreement_ref": "RZKC-TZ-2026-001",
        "pre_money_valuation": "8000000.00",
        "cap_table": CAP,
        "evidence": "国家企业信用信息公示系统股东信息（2026-10-20）",
        "stages": [
            {"amount": "1200000.00", "condition": "协议签订后", "due_date": "2026-11-01"},
            {"amount": "800000.00", "condition": "样机通过验收后", "due_date": "2027-05-01"},
        ],
        "today": REGISTERED_ON,
    }
    data.update(kw)
    return equity_services.register_investment(project, actor=office, **data)


def register_ite(project, office, **kw):
    data = {
        "instrument": "invest_then_equity",
        "vehicle_name": VEHICLE,
        "vehicle_uscc": VEHICLE_USCC,
        "amount": "3000000.00",
        "agreement_ref": "RZKC-XTHG-2026-001",
        "stages": [{"amount": "3000000.00", "condition": "协议签订后"}],
        "today": REGISTERED_ON,
    }
    data.update(kw)
    return equity_services.register_investment(project, actor=office, **data)


@pytest.fixture
def direct(eq_project, office):
    return register_direct(eq_project, office)


@pytest.fixture
def ite(eq_project, office):
    return register_ite(eq_project, office)


@pytest.fixture
def ite_paid(ite, finance):
    pay(ite.stages.get(seq=1), finance)
    ite.refresh_from_db()
    return ite


@pytest.fixture
def direct_paid(direct, finance):
    """Both stages of the direct investment paid (2,000,000 invested)."""
    for s in direct.stages.order_by("seq"):
        pay(s, finance)
    direct.refresh_from_db()
    return direct
