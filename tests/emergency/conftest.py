"""Fixtures for 一事一议: the projects fixtures' funded Rizhao year (10,000,000 to 重大科技创新专项,
5,000,000 to 重点研发), and a request for an emergency project in 重大科技创新专项."""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest

from techfund.core.models import Account, AuditEvent, Department, JournalEntry, Posting
from techfund.emergency import services as emergency_services
from techfund.emergency.models import EmergencyMilestone, EmergencyRequest, EmergencyTarget
from techfund.projects.models import Contract, ContractTarget, Project, Tranche
from tests import factories
from tests.projects.conftest import *  # noqa: F403

M = Decimal("1000000.00")

MODELS = (
    EmergencyRequest,
    EmergencyTarget,
    EmergencyMilestone,
    Project,
    Contract,
    ContractTarget,
    Tranche,
    JournalEntry,
    Posting,
    Account,
)


def counts() -> dict:
    out = {m.__name__: m.objects.count() for m in MODELS}
    out["AuditEvent"] = AuditEvent.objects.exclude(action__startswith="auth.").count()
    out["states"] = sorted(EmergencyRequest.objects.values_list("id", "state", "decision_basis"))
    return out


@contextlib.contextmanager
def nothing_saved():
    """Asserts that the block writes no request, project, contract, ledger entry or audit event."""
    before = counts()
    yield
    assert counts() == before


TARGETS = [
    {
        "kind": "output",
        "name": "完成应急检测设备研制",
        "indicator_type": "higher",
        "unit": "台",
        "target_value": "5",
    },
    {
        "kind": "outcome",
        "name": "保障重点企业复工复产",
        "indicator_type": "qualitative",
        "target_text": "形成可推广的应急保障方案",
    },
]
MILESTONES = [{"due_date": dt.date(2027, 6, 30), "description": "完成样机并投入应急使用"}]


@pytest.fixture
def unit(rizhao):
    return factories.organisation(name="日照应急技术研究院")


@pytest.fixture
def ocean(rizhao):
    return Department.objects.get(code="ocean")


def data(unit, ocean, **over) -> dict:
    d = {
        "title": "海上溢油应急处置关键技术攻关",
        "organisation": unit.uscc,
        "department": ocean.code,
        "focus_area": "major_projects",
        "amount": "2000000.00",
        "justification": "近海溢油事故频发，需在汛期前形成处置能力。",
        "basis": "市政府专题会议纪要〔2026〕18号",
        "content": "研制溢油快速检测与围控设备，形成应急处置方案。",
        "start_date": dt.date(2026, 12, 1),
        "end_date": dt.date(2027, 11, 30),
        "targets": TARGETS,
        "milestones": MILESTONES,
    }
    d.update(over)
    return d


@pytest.fixture
def submit(fund_year, office, unit, ocean):
    def make(actor=None, **over):
        return emergency_services.submit_emergency(
            fund_year, actor=actor or office, **data(unit, ocean, **over)
        )

    return make


@pytest.fixture
def req(submit):
    return submit()


@pytest.fixture
def approved_req(req, leader):
    emergency_services.approve_emergency(req, actor=leader, basis="领导小组2026年第5次会议同意")
    req.refresh_from_db()
    return req


@pytest.fixture
def ocean_officer(ocean):
    from techfund.core.enums import Role

    return factories.user(Role.DEPARTMENT, department=ocean)
