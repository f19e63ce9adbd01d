"""Fixtures for the annual fund: a Rizhao fund year, its contributions, a department officer of the
science and technology bureau, and a helper that asserts nothing was written."""

import contextlib
from decimal import Decimal

import pytest

from techfund.core.enums import Role
from techfund.core.models import Account, AuditEvent, Department, JournalEntry, Posting
from techfund.funds import services
from techfund.funds.models import Allocation, Contribution, Framework, FundYear
from tests import factories

MODELS = (FundYear, Contribution, Framework, Allocation, JournalEntry, Posting, Account)


def counts() -> dict[str, int]:
    out = {m.__name__: m.objects.count() for m in MODELS}
    # Signing in is audited too (auth.login); only the events of fund work count here.
    out["AuditEvent"] = AuditEvent.objects.exclude(action__startswith="auth.").count()
    return out


@contextlib.contextmanager
def nothing_saved():
    """Asserts that the block writes no fund record, ledger entry, account or audit event of fund work."""
    before = counts()
    yield
    assert counts() == before


@pytest.fixture
def fund_year(rizhao, office) -> FundYear:
    return services.open_fund_year(actor=office, year=rizhao.year)


def contribute(fund_year, office, code="st_innovation", amount="100000000.00", **kw) -> Contribution:
    return services.record_contribution(fund_year, actor=office, source_type=code, amount=amount, **kw)


@pytest.fixture
def funded(fund_year, office) -> FundYear:
    """250 million yuan pooled (above Rizhao's 200 million minimum): 150m S&T, 60m industry, 40m provincial."""
    contribute(fund_year, office, "st_innovation", "150000000.00")
    contribute(fund_year, office, "technical_renovation", "60000000.00")
    contribute(fund_year, office, "provincial_st", "40000000.00")
    return fund_year


@pytest.fixture
def st_officer(rizhao):
    """A department officer of the science and technology bureau (a source department of Rizhao)."""
    return factories.user(Role.DEPARTMENT, department=Department.objects.get(code="science_technology"))


@pytest.fixture
def it_officer(rizhao):
    return factories.user(Role.DEPARTMENT, department=Department.objects.get(code="industry_it"))


ALLOCATIONS = {"major_projects": Decimal("80000000.00"), "key_rd": Decimal("50000000.00")}


@pytest.fixture
def draft(funded, office) -> Framework:
    return services.propose_framework(funded, actor=office, allocations=dict(ALLOCATIONS), note="第一批")


@pytest.fixture
def submitted(draft, office) -> Framework:
    return services.submit_framework(draft, actor=office)


@pytest.fixture
def approved(submitted, leader) -> Framework:
    return services.approve_framework(submitted, actor=leader, reason="同意。")
