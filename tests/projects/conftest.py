"""Fixtures for projects and every later stage (monitoring, sanctions, evaluation, emergency,
reports): the decisions fixtures' two approved items taken to the final list, then arranged,
contracted, signed and paid through the services.

Later stages reuse them with ``from tests.projects.conftest import *  # noqa: F403``.

- ``final_items``: A 海洋装备关键技术 (4,000,000, 科技局, applicant org A) and B 工业互联网平台
  (3,000,000, 工信局), both final after a publicity with no objection.
- ``project``: A's project, arranged by finance with the statutory approval confirmed.
- ``contract``: its 任务书 (tranches 60% = 2,400,000 and 40% = 1,600,000).
- ``running``: the contract signed by both sides; the project is in progress.
- ``paid``: the first tranche paid (2,400,000), treasury reference ``GK2026-0001``.
"""

import datetime as dt
from decimal import Decimal

import pytest

from techfund.applications.models import Milestone, PerformanceTarget
from techfund.core.enums import Role
from techfund.decisions import services as decision_services
from techfund.projects import services as project_services
from tests import factories
from tests.decisions.conftest import *  # noqa: F403

#: The day the publicity is ended (after its last working day, 2026-10-10).
FINAL_DAY = dt.date(2026, 10, 12)
SIGNED_ON = dt.date(2026, 10, 20)
PAID_ON = dt.date(2026, 10, 28)

TARGETS = [
    # kind, name, type, unit, value, text
    ("output", "发表高水平论文", "higher", "篇", Decimal("10"), ""),
    ("output", "单位产品能耗", "lower", "千瓦时", Decimal("50"), ""),
    ("output", "重大安全事故", "zero", "起", Decimal("0"), ""),
    ("outcome", "带动产业技术升级", "qualitative", "", None, "形成行业示范应用"),
]


def add_targets(application) -> None:
    """TEST SETUP ONLY: performance targets, milestones and dates on an application written directly
    (as the decisions fixtures write their applications)."""
    application.start_date = dt.date(2026, 11, 1)
    application.end_date = dt.date(2028, 10, 31)
    application.save(update_fields=["start_date", "end_date"])
    for kind, name, kind_type, unit, value, text in TARGETS:
        PerformanceTarget.objects.create(
            application=application,
            kind=kind,
            name=name,
            indicator_type=kind_type,
            unit=unit,
            target_value=value,
            target_text=text,
        )
    Milestone.objects.create(
        application=application, due_date=dt.date(2027, 10, 31), description="完成样机研制"
    )
    Milestone.objects.create(
        application=application, due_date=dt.date(2028, 10, 31), description="完成示范应用并验收"
    )


@pytest.fixture
def final_items(publicity, approved, office):
    a, b = approved
    add_targets(a.application)
    add_targets(b.application)
    decision_services.end_publicity(publicity, actor=office, today=FINAL_DAY)
    a.refresh_from_db()
    b.refresh_from_db()
    return a, b


@pytest.fixture
def project(final_items, finance):
    p = project_services.arrange_item(
        final_items[0], actor=finance, statutory_approved=True, note="2026年预算"
    )
    p.refresh_from_db()
    return p


@pytest.fixture
def project_b(final_items, finance):
    return project_services.arrange_item(final_items[1], actor=finance, statutory_approved=True)


@pytest.fixture
def unit_user(project):
    """An applicant of A's implementing unit (乙方)."""
    return factories.user(Role.APPLICANT, organisation=project.organisation)


@pytest.fixture
def dept_officer(project):
    """An officer of A's managing department (科技局)."""
    return factories.user(Role.DEPARTMENT, department=project.department)


@pytest.fixture
def contract(project, office):
    return project_services.generate_contract(project, actor=office)


@pytest.fixture
def running(contract, unit_user, dept_officer, project):
    project_services.sign_contract(contract, actor=unit_user, signatory="王海涛", today=SIGNED_ON)
    project_services.sign_contract(contract, actor=dept_officer, signatory="李明", today=SIGNED_ON)
    project.refresh_from_db()
    contract.refresh_from_db()
    return project


@pytest.fixture
def paid(running, contract, finance):
    first = contract.tranches.get(seq=1)
    return project_services.pay_tranche(
        first, actor=finance, treasury_ref="GK2026-0001", paid_on=PAID_ON, today=dt.date(2026, 11, 2)
    )
