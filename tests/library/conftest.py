"""Fixtures of the project library: a Rizhao fund year (and the year before), calls in two focus
areas and two establishment modes, and a helper that files an application.

Calls and applications are built through the services of their stages (``create_call`` /
``publish_call``, ``start_application`` / ``save_draft`` / ``submit_application``, ``prescreen``,
``forward_batch``, ``formal_check``), and the work queued on commit runs as it would after a real
commit — so the index is kept fresh by the library's own ``post_save`` receiver, as in production.

TEST SETUP — proposal items (decisions stage) are written as rows with their audit event here:
reaching them through the services would need the whole expert review first.
"""

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import TestCase, override_settings
from django.utils import timezone

from techfund.applications import services as app_services
from techfund.applications.enums import ApplicationState, PrescreenDecision
from techfund.applications.models import Application
from techfund.calls import services as call_services
from techfund.calls.models import Call
from techfund.core.enums import Role
from techfund.core.models import Department
from techfund.core.services import audit
from techfund.decisions.enums import BatchState, DecisionKind, ItemState
from techfund.decisions.models import ProposalBatch, ProposalItem
from techfund.funds import services as fund_services
from techfund.policy.enums import EstablishmentMode, SupportMode
from tests import factories

_serial = itertools.count(1)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def valid_id(n: int) -> str:
    """A resident ID number with a correct check character."""
    body = f"37110219800101{n % 1000:03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


@dataclass
class World:
    year: int
    office: object
    st: Department  # 市科学技术局
    ocean: Department  # 市海洋发展局
    org_a: object
    org_b: object
    call_major: Call  # this year, 重大科技创新工程, 竞争立项
    call_platforms: Call  # this year, 重要创新平台建设, 定向委托 (org_a and org_b designated)
    call_last_year: Call  # last year, 重大科技创新工程, 竞争立项
    applicants: dict = field(default_factory=dict)
    officers: dict = field(default_factory=dict)

    def applicant(self, org):
        if org.pk not in self.applicants:
            self.applicants[org.pk] = factories.user(Role.APPLICANT, organisation=org)
        return self.applicants[org.pk]

    def officer(self, department):
        if department.pk not in self.officers:
            self.officers[department.pk] = factories.user(Role.DEPARTMENT, department=department)
        return self.officers[department.pk]


def make_call(fund_year, focus_code: str, mode: str, *, actor, designated=()) -> Call:
    n = next(_serial)
    now = timezone.now()
    call = call_services.create_call(
        fund_year,
        actor=actor,
        focus_area=focus_code,
        code=f"LIB{fund_year.year}-{n:03d}",
        title=f"测试指南{n}",
        establishment_mode=mode,
        ceiling="5000000.00",
        opens_at=now - dt.timedelta(days=60),
        closes_at=now + dt.timedelta(days=30),
        support_modes=(SupportMode.GRANT, SupportMode.EQUITY),
        per_org_limit=50,
        per_person_limit=50,
        quotas={"science_technology": 50, "ocean": 50},
        designated_organisations=list(designated),
    )
    return call_services.publish_call(call, actor=actor)


@pytest.fixture(scope="module", autouse=True)
def _media(tmp_path_factory):
    """Uploaded files go to a directory of the module's (module-scoped, so that fixtures set up
    once per module, see tests/sharing.py, write there too)."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture
def world(rizhao, office) -> World:
    this_year = fund_services.open_fund_year(actor=office, year=rizhao.year)
    last_year = fund_services.open_fund_year(actor=office, year=rizhao.year - 1, profile=rizhao)
    org_a = factories.organisation(name="日照蓝海生物科技有限公司")
    org_b = factories.organisation(name="山东岚山港口物流有限公司")
    return World(
        year=rizhao.year,
        office=office,
        st=Department.objects.get(code="science_technology"),
        ocean=Department.objects.get(code="ocean"),
        org_a=org_a,
        org_b=org_b,
        call_major=make_call(this_year, "major_projects", EstablishmentMode.COMPETITIVE, actor=office),
        call_platforms=make_call(
            this_year, "platforms", EstablishmentMode.COMMISSIONED, actor=office, designated=[org_a, org_b]
        ),
        call_last_year=make_call(last_year, "major_projects", EstablishmentMode.COMPETITIVE, actor=office),
    )


def file_application(
    world: World,
    title: str,
    *,
    org=None,
    call=None,
    department=None,
    abstract: str = "详见申报书。",
    keywords=("测试",),
    leads=("赵一",),
    requested: str = "1000000.00",
    support_mode: str = SupportMode.GRANT,
    state: str = ApplicationState.SUBMITTED,
    submitted_days_ago: int = 10,
) -> Application:
    """An application filed by the organisation's applicant through the services: started, saved
    complete, and (unless ``state`` is draft) submitted ``submitted_days_ago`` days ago; ``recommended``
    and ``returned`` are reached by the department's pre-screen."""
    org = org or world.org_a
    department = department or world.st
    applicant = world.applicant(org)
    n = next(_serial)
    team = [
        {"name": name, "id_number": valid_id(n * 10 + i), "role": "lead" if i == 0 else "member"}
        for i, name in enumerate(leads)
    ]
    with TestCase.captureOnCommitCallbacks(execute=True):
        app = app_services.start_application(
            call or world.call_major, actor=applicant, department=department.code, title=title
        )
        app = app_services.save_draft(
            app,
            actor=applicant,
            abstract=abstract,
            keywords=list(keywords),
            requested_amount=requested,
            self_raised="0.00",
            support_mode=support_mode,
            team=team,
            budget_lines=[{"category": "business", "item": "研究开发", "amount": requested}],
            targets=[
                {
                    "kind": "output",
                    "name": "发明专利",
                    "indicator_type": "higher",
                    "unit": "件",
                    "target_value": "2",
                }
            ],
            milestones=[{"due_date": "2027-12-31", "description": "完成研发"}],
        )
        if state != ApplicationState.DRAFT:
            app = app_services.submit_application(
                app, actor=applicant, now=timezone.now() - dt.timedelta(days=submitted_days_ago)
            )
        if state in (ApplicationState.RECOMMENDED, ApplicationState.RETURNED):
            decision = (
                PrescreenDecision.RECOMMEND
                if state == ApplicationState.RECOMMENDED
                else PrescreenDecision.RETURN
            )
            app_services.prescreen(
                app, actor=world.officer(department), decision=decision, reason="请补充材料"
            )
    app = Application.objects.get(pk=app.pk)
    assert app.state == state
    return app


def resubmit(world: World, app: Application) -> Application:
    with TestCase.captureOnCommitCallbacks(execute=True):
        app_services.submit_application(app, actor=world.applicant(app.organisation))
    return Application.objects.get(pk=app.pk)


def recommend_forward_and_check(world: World, app: Application) -> Application:
    """The department recommends and forwards the application; the office passes its formal check."""
    officer = world.officer(app.department)
    with TestCase.captureOnCommitCallbacks(execute=True):
        app_services.prescreen(app, actor=officer, decision=PrescreenDecision.RECOMMEND)
        app_services.forward_batch(
            app.call, actor=officer, department=app.department.code, applications=[app]
        )
        app_services.formal_check(app, actor=world.office)
    return Application.objects.get(pk=app.pk)


def record(action: str, *, actor, target, role: str = "", reason: str = "", data=None):
    """TEST SETUP: an audit event as a stage service records it (inside its transaction)."""
    with transaction.atomic():
        return audit.record(action, actor=actor, role=role, target=target, reason=reason, data=data)


def proposal_item(
    app: Application,
    office,
    *,
    amount: str = "800000.00",
    decided: str | None = None,
    state: str = ItemState.PROPOSED,
    support_mode: str = SupportMode.GRANT,
) -> ProposalItem:
    """TEST SETUP: a proposal item (decided when ``decided`` is given) and its event, as rows."""
    batch, _ = ProposalBatch.objects.get_or_create(
        fund_year=app.call.fund_year,
        number=1,
        defaults={
            "title": "第一批立项建议",
            "created_by": office,
            "state": BatchState.SUBMITTED,
            "submitted_at": timezone.now(),
        },
    )
    fields = {}
    if decided is not None:
        fields = {
            "decided_amount": Decimal(decided),
            "decision": DecisionKind.MODIFY if Decimal(decided) < Decimal(amount) else DecisionKind.APPROVE,
            "basis": "领导小组第3次会议",
            "decided_at": timezone.now(),
        }
    item = ProposalItem.objects.create(
        batch=batch,
        application=app,
        focus_area=app.call.focus_area,
        amount=Decimal(amount),
        support_mode=support_mode,
        implementing_organisation=app.organisation,
        state=state,
        **fields,
    )
    record("decision.item.proposed", actor=office, role=Role.OFFICE, target=item, data={"amount": amount})
    return item
