"""Fixtures for budgets: the projects fixtures with A's application given a budget before its
任务书 is drawn up (设备费 800,000 · 业务费 2,000,000 · 劳务费 800,000 · 间接费用 400,000 = 4,000,000),
so ``contract`` opens a budget copied from it; ``paid``: 2,400,000 paid on 2026-10-28."""

import datetime as dt
from decimal import Decimal

import pytest

from techfund.applications.models import BudgetLine
from techfund.budgets.models import Adjustment, AdjustmentMove, Expenditure, ExpenditureImport, ProjectBudget
from techfund.core.enums import Role
from techfund.core.models import AuditEvent
from techfund.core.services import people
from techfund.projects import services as project_services
from tests import factories
from tests.projects.conftest import *  # noqa: F403

TODAY = dt.date(2026, 12, 31)
LINES = {"equipment": "800000.00", "business": "2000000.00", "labour": "800000.00", "indirect": "400000.00"}


def add_budget_lines(application) -> None:
    """TEST SETUP ONLY: the application's budget lines, written directly."""
    for category, amount in LINES.items():
        BudgetLine.objects.create(
            application=application,
            category=category,
            item=category,
            amount=Decimal(amount),
            equipment_purchase=category == "equipment",
        )


@pytest.fixture
def contract(project, office):
    add_budget_lines(project.application)
    return project_services.generate_contract(project, actor=office)


@pytest.fixture
def other_unit_user(db):
    return factories.user(Role.APPLICANT)


@pytest.fixture
def other_officer(db):
    return factories.user(Role.DEPARTMENT)


@pytest.fixture
def dept_officer2(project):
    return factories.user(Role.DEPARTMENT, department=project.department)


@pytest.fixture
def unit_and_officer(project):
    """One person in the unit and in the managing department (may not approve their own request)."""
    u = factories.user(Role.APPLICANT, organisation=project.organisation)
    people.grant_role(actor=None, user=u, role=Role.DEPARTMENT, department=project.department)
    u.forget_grants()
    return u


def counts() -> dict:
    return {
        "budgets": ProjectBudget.objects.count(),
        "adjustments": sorted(Adjustment.objects.values_list("id", "state")),
        "moves": AdjustmentMove.objects.count(),
        "expenditures": Expenditure.objects.count(),
        "imports": ExpenditureImport.objects.count(),
        "events": AuditEvent.objects.exclude(action__startswith="auth.").count(),
    }
