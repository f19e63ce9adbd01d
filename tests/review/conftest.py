"""Fixtures for expert review: a Rizhao fund year, a published call in 重点研发 (key_rd), applications
that passed the formal check, experts in the pool and a draft round with three weighted criteria.

Calls and applications are made through their own services (create and publish the call; start,
fill in and submit the application; the department recommends and forwards it; the office's formal
check passes it), so every application arrives in review as it would in production, trail and all.
"""

import contextlib
import datetime as dt
import itertools

import pytest
from django.utils import timezone

from techfund.applications import services as app_services
from techfund.applications.models import Application
from techfund.calls import services as call_services
from techfund.calls.models import Call
from techfund.core.enums import Role
from techfund.core.models import AuditEvent, Department
from techfund.funds import services as fund_services
from techfund.review import services
from techfund.review.models import Assignment, Criterion, Expert, ReviewRound, RoundResult, Score
from tests import factories

_serial = itertools.count(1)

MODELS = (Expert, ReviewRound, Criterion, Assignment, Score, RoundResult)

#: Weights 50 / 30 / 20; the team criterion is marked out of 10.
CRITERIA = [
    {"code": "innovation", "name": "创新性", "weight": "50"},
    {"code": "feasibility", "name": "可行性", "weight": "30", "max_score": "100"},
    {"code": "team", "name": "团队与基础", "weight": "20", "max_score": "10"},
]


def counts() -> dict:
    out = {m.__name__: m.objects.count() for m in MODELS}
    out["states"] = sorted(Application.objects.values_list("number", "state"))
    # Signing in is audited too (auth.login); only the events of review work count here.
    out["AuditEvent"] = AuditEvent.objects.exclude(action__startswith="auth.").count()
    return out


@contextlib.contextmanager
def nothing_saved():
    """Asserts that the block writes no review record, application state or audit event."""
    before = counts()
    yield
    assert counts() == before


# ---------------------------------------------------------------- calls and applications (through their services)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def valid_id(n: int) -> str:
    """A resident ID number with a correct check character (Rizhao's area code 371102)."""
    body = f"371102{19700101 + n // 1000:08d}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def make_call(
    fund_year,
    office,
    *,
    area: str = "key_rd",
    code: str | None = None,
    title: str | None = None,
    publish=True,
) -> Call:
    """A published competitive call, open now (applications may be started and submitted)."""
    n = next(_serial)
    now = timezone.now()
    call = call_services.create_call(
        fund_year,
        actor=office,
        focus_area=area,
        code=code or f"C{n}",
        title=title or f"{fund_year.year}年度测试指南{n}",
        establishment_mode="competitive",
        ceiling="5000000.00",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
        support_modes=("grant",),
        per_org_limit=50,
        per_person_limit=1,
    )
    return call_services.publish_call(call, actor=office) if publish else call


#: How far ``make_application`` takes an application.
STEPS = ("submitted", "recommended", "forwarded", "formal_passed")


def make_application(
    call: Call,
    *,
    organisation=None,
    title: str | None = None,
    department: str = "science_technology",
    until: str = "formal_passed",
) -> Application:
    """An application of ``organisation`` (a new one by default) taken through submission, the
    department's recommendation and forwarding, and the office's formal check (or up to ``until``)."""
    n = next(_serial)
    organisation = organisation or factories.organisation()
    applicant = factories.user(Role.APPLICANT, organisation=organisation)
    app = app_services.start_application(
        call, actor=applicant, department=department, title=title or f"测试项目{n}：海洋装备关键技术研发"
    )
    app_services.save_draft(
        app,
        actor=applicant,
        abstract="研究海洋装备关键部件的国产化替代。",
        keywords=["海洋装备", "国产化"],
        requested_amount="1000000.00",
        self_raised="1000000.00",
        support_mode="grant",
        start_date="2027-01-01",
        end_date="2028-12-31",
        team=[{"name": "李研究", "id_number": valid_id(n), "role": "lead", "title": "研究员"}],
        budget_lines=[
            {"category": "equipment", "item": "试验台", "amount": "600000.00", "equipment_purchase": True},
            {"category": "business", "item": "测试加工", "amount": "400000.00"},
        ],
        targets=[
            {
                "kind": "output",
                "name": "发明专利申请",
                "indicator_type": "higher",
                "unit": "件",
                "target_value": "3",
            }
        ],
        milestones=[{"due_date": "2028-12-31", "description": "完成样机并验收"}],
    )
    app_services.submit_application(app, actor=applicant)
    steps = STEPS[1 : STEPS.index(until) + 1]
    officer = None
    if steps:
        officer = factories.user(Role.DEPARTMENT, department=Department.objects.get(code=department))
    if "recommended" in steps:
        app_services.prescreen(app, actor=officer, decision="recommend")
    if "forwarded" in steps:
        app_services.forward_batch(call, actor=officer, department=department, applications=[app])
    if "formal_passed" in steps:
        app_services.formal_check(app, actor=call.created_by)
    app = Application.objects.select_related("organisation").get(pk=app.pk)
    assert app.state == until, (app.state, until)
    return app


# ---------------------------------------------------------------- experts


def make_expert(office, *, name: str | None = None, organisation=None, max_load: int = 20, **kw) -> Expert:
    user = factories.user(Role.EXPERT)
    return services.register_expert(
        actor=office,
        user=user,
        name=name or f"专家{next(_serial)}",
        organisation=organisation,
        title=kw.pop("title", "教授"),
        max_load=max_load,
        **kw,
    )


@pytest.fixture
def fund_year(rizhao, office):
    return fund_services.open_fund_year(actor=office, year=rizhao.year)


@pytest.fixture
def call(fund_year, office):
    """Its applications are numbered A-0001, A-0002, …"""
    return make_call(fund_year, office, code="A", title="重点研发计划（海洋装备）")


@pytest.fixture
def org_x(db):
    return factories.organisation(name="日照海工装备有限公司")


@pytest.fixture
def applicant_x(org_x):
    return factories.user(Role.APPLICANT, organisation=org_x)


@pytest.fixture
def app1(call, org_x):
    return make_application(call, organisation=org_x, title="深远海养殖平台关键技术")


@pytest.fixture
def app2(call, app1):
    return make_application(call, title="港口智能调度系统")


@pytest.fixture
def app3(call, app2):
    return make_application(call, title="海水淡化膜材料")


@pytest.fixture
def expert_a(office):
    return make_expert(office, name="王甲", organisation_name="山东大学")


@pytest.fixture
def expert_b(office):
    return make_expert(office, name="赵乙", organisation_name="中国海洋大学")


@pytest.fixture
def expert_c(office):
    return make_expert(office, name="孙丙", organisation_name="青岛科技大学")


@pytest.fixture
def draft_round(call, office):
    return services.create_round(call, actor=office, name="通讯评审", method="remote", criteria=CRITERIA)


def scores(innovation, feasibility, team) -> dict:
    return {"innovation": innovation, "feasibility": feasibility, "team": team}


def score(assignment, values: dict, *, recommendation="support", comment="技术路线清晰，建议支持。"):
    """Submit as the assignment's expert."""
    return services.submit_score(
        assignment,
        actor=assignment.expert.user,
        scores=values,
        comment=comment,
        recommendation=recommendation,
    )


@pytest.fixture
def open_round(draft_round, office, app1, app2, expert_a, expert_b):
    """Round 1 open: A and B on application 1, A on application 2."""
    for app, ex in ((app1, expert_a), (app1, expert_b), (app2, expert_a)):
        services.assign(draft_round, actor=office, application=app, expert=ex)
    return services.open_round(draft_round, actor=office)


def assignment_of(round_, application, expert) -> Assignment:
    return Assignment.objects.select_related("expert__user").get(
        round=round_, application=application, expert=expert
    )
