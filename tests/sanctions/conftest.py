"""Fixtures for suspension, termination and recovery: the projects fixtures (``project`` arranged,
``running`` in progress, ``paid`` with its first tranche of 2,400,000 paid out of 4,000,000), orders
taken through the services, and helpers that assert nothing was written and that the ledger reconciles.
"""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from techfund.core.enums import Role
from techfund.core.models import Account, AuditEvent, JournalEntry, Posting
from techfund.core.services import ledger, people
from techfund.projects.models import Payment, Project
from techfund.sanctions import services as sanction_services
from techfund.sanctions.models import RecoveryOrder, RecoveryReceipt, SanctionOrder
from tests import factories
from tests.projects.conftest import *  # noqa: F403

M = Decimal("1000000.00")
#: Dates after the ``paid`` fixture's payment (2026-10-28, recorded 2026-11-02).
PROPOSED_ON = dt.date(2026, 11, 3)
DECIDED_ON = dt.date(2026, 11, 5)
DEADLINE = dt.date(2026, 12, 31)
RECEIVED_ON = dt.date(2026, 11, 10)

MODELS = (SanctionOrder, RecoveryOrder, RecoveryReceipt, JournalEntry, Posting)


def counts() -> dict:
    out = {m.__name__: m.objects.count() for m in MODELS}
    out["AuditEvent"] = AuditEvent.objects.exclude(action__startswith="auth.").count()
    out["projects"] = sorted(Project.objects.values_list("id", "state"))
    out["orders"] = sorted(SanctionOrder.objects.values_list("id", "state", "released_amount"))
    out["recoveries"] = sorted(RecoveryOrder.objects.values_list("id", "state", "settled_on"))
    out["balances"] = sorted(
        (a.code, ledger.balance(a)) for a in Account.objects.exclude(kind="source").order_by("code")
    )
    return out


@contextlib.contextmanager
def nothing_saved():
    """Asserts that the block writes no order, receipt, ledger entry, audit event or project move."""
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


def area(project) -> Decimal:
    return balance(f"fund:{project.fund_year.year}:area:{project.focus_area.code}")


def pool(project) -> Decimal:
    return balance(f"fund:{project.fund_year.year}:pool")


def assert_reconciles(project) -> None:
    """arranged = paid + unpaid + released; disbursed = paid − received (ledger and records agree)."""
    project.refresh_from_db()
    paid = Payment.objects.filter(project=project).aggregate(s=Sum("amount"))["s"] or ledger.ZERO
    released = (
        SanctionOrder.objects.filter(project=project).aggregate(s=Sum("released_amount"))["s"] or ledger.ZERO
    )
    received = (
        RecoveryReceipt.objects.filter(order__project=project).aggregate(s=Sum("amount"))["s"] or ledger.ZERO
    )
    # released according to the ledger: the termination entries out of the commitment account
    released_in_ledger = -(
        Posting.objects.filter(
            entry__code="sanctions.termination.released",
            account__code=f"fund:{project.fund_year.year}:commitment:{project.number}",
        ).aggregate(s=Sum("amount"))["s"]
        or ledger.ZERO
    )
    assert released == released_in_ledger
    assert project.amount == paid + unpaid(project) + released
    assert disbursed(project) == paid - received
    f = sanction_services.project_figures(project)
    assert (f.arranged, f.paid, f.unpaid, f.released, f.received, f.disbursed) == (
        project.amount,
        paid,
        unpaid(project),
        released,
        received,
        disbursed(project),
    )
    assert ledger.trial_balance()["total"] == 0


@pytest.fixture
def finance2(db):
    """A second finance officer."""
    return factories.user(Role.FINANCE)


@pytest.fixture
def office_finance(db):
    """One person holding both the office and the finance role (may not sign twice)."""
    u = factories.user(Role.OFFICE)
    people.grant_role(actor=None, user=u, role=Role.FINANCE)
    u.forget_grants()
    return u


@pytest.fixture
def other_unit_user(db):
    return factories.user(Role.APPLICANT)


@pytest.fixture
def other_officer(db):
    return factories.user(Role.DEPARTMENT)


def suspend(project, office, finance, *, today=DECIDED_ON):
    order = sanction_services.propose_sanction(
        project,
        actor=office,
        kind="suspend",
        reason="中期检查发现进度严重滞后",
        basis="领导小组办公室会议纪要〔2026〕9号",
        today=PROPOSED_ON,
    )
    return sanction_services.decide_sanction(
        order, actor=finance, decision="concur", opinion="同意暂停。", today=today
    )


@pytest.fixture
def suspended(paid, project, office, finance):
    order = suspend(project, office, finance)
    project.refresh_from_db()
    return order


@pytest.fixture
def recovery(paid, project, office):
    """A recovery order of 1,000,000 drafted by the office (waiting for finance)."""
    return sanction_services.issue_recovery(
        project,
        actor=office,
        amount="1000000.00",
        reason="经审计，部分资金挪用于与项目无关的支出",
        basis="审计报告（日审〔2026〕15号）",
        deadline=DEADLINE,
        today=PROPOSED_ON,
    )


@pytest.fixture
def open_recovery(recovery, finance):
    return sanction_services.decide_recovery(recovery, actor=finance, decision="concur", today=DECIDED_ON)
