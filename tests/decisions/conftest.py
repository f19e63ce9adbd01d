"""Fixtures for the proposal list, the leading group's decision and publicity: a funded Rizhao fund
year whose framework gave 10 million yuan to 重大科技创新专项 and 5 million to 重点研发, reviewed
applications to propose, and a helper that asserts nothing was written."""

import contextlib
import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from techfund.applications.enums import ApplicationState
from techfund.applications.models import Application
from techfund.calls.enums import CallState
from techfund.calls.models import Call
from techfund.core.enums import Role
from techfund.core.models import Account, AuditEvent, Department, JournalEntry, Posting, User
from techfund.core.services import ledger
from techfund.decisions import services
from techfund.decisions.models import Objection, ProposalBatch, ProposalItem, Publicity
from techfund.funds import services as fund_services
from techfund.policy.models import FocusArea
from techfund.review import services as review_services
from tests import factories

MODELS = (ProposalBatch, ProposalItem, Publicity, Objection, JournalEntry, Posting, Account)
_serial = itertools.count(1)


def counts() -> dict:
    out = {m.__name__: m.objects.count() for m in MODELS}
    out["AuditEvent"] = AuditEvent.objects.exclude(action__startswith="auth.").count()
    out["application_states"] = sorted(Application.objects.values_list("id", "state"))
    out["item_states"] = sorted(ProposalItem.objects.values_list("id", "state", "decided_amount"))
    out["batch_states"] = sorted(ProposalBatch.objects.values_list("id", "state"))
    out["objection_states"] = sorted(Objection.objects.values_list("id", "state"))
    out["publicity_states"] = sorted(Publicity.objects.values_list("id", "state"))
    return out


@contextlib.contextmanager
def nothing_saved():
    """Asserts that the block writes no record of this stage, no ledger entry and no audit event."""
    before = counts()
    yield
    assert counts() == before


def balance(code: str) -> Decimal:
    acct = Account.objects.filter(code=code).first()
    return ledger.balance(acct) if acct else ledger.ZERO


def area(fy, code="major_projects") -> Decimal:
    return balance(f"fund:{fy.year}:area:{code}")


def reserved(fy, code="major_projects") -> Decimal:
    return balance(f"fund:{fy.year}:reserved:{code}")


@pytest.fixture
def fund_year(rizhao, office, leader):
    """Rizhao's fund year, 250 million pooled; framework: 10m to major_projects, 5m to key_rd."""
    fy = fund_services.open_fund_year(actor=office, year=rizhao.year)
    for code, amount in (
        ("st_innovation", "150000000.00"),
        ("technical_renovation", "60000000.00"),
        ("provincial_st", "40000000.00"),
    ):
        fund_services.record_contribution(fy, actor=office, source_type=code, amount=amount)
    fw = fund_services.propose_framework(
        fy, actor=office, allocations={"major_projects": "10000000.00", "key_rd": "5000000.00"}
    )
    fund_services.submit_framework(fw, actor=office)
    fund_services.approve_framework(fw, actor=leader, reason="同意。")
    return fy


@pytest.fixture
def st_department(rizhao):
    return Department.objects.get(code="science_technology")


@pytest.fixture
def it_department(rizhao):
    return Department.objects.get(code="industry_it")


# ---------------------------------------------------------------------------------------------
# Reviewed applications.
#
# TEST SETUP ONLY (calls and applications): ``make_call`` / ``make_application`` write Call and
# Application rows directly, as an application that passed the formal check (``formal_passed``),
# the same shortcut the review tests take while the calls and applications services settle. Replace
# them with ``techfund.calls.services`` / ``techfund.applications.services`` once those are final.
# Production code never writes these rows.
#
# The review itself goes through ``techfund.review.services`` (round, expert, assignment, score,
# close_round), so the RoundResult snapshot and the ``reviewed`` state are the real ones.
# ---------------------------------------------------------------------------------------------

CRITERION = [{"code": "overall", "name": "综合评价", "weight": "100"}]


def make_call(
    fy, *, area="major_projects", mode="competitive", support_modes=("grant", "equity"), ceiling="5000000.00"
) -> Call:
    n = next(_serial)
    now = timezone.now()
    return Call.objects.create(
        fund_year=fy,
        focus_area=FocusArea.objects.get(profile=fy.profile, code=area),
        code=f"T{fy.year}-{n:04d}",
        title=f"测试指南{n}",
        establishment_mode=mode,
        support_modes=list(support_modes),
        ceiling=Decimal(ceiling),
        opens_at=now - dt.timedelta(days=60),
        closes_at=now - dt.timedelta(days=30),
        state=CallState.PUBLISHED,
        published_at=now - dt.timedelta(days=60),
    )


def _office():
    user = User.objects.filter(grants__role=Role.OFFICE, grants__revoked_at__isnull=True).first()
    return user or factories.user(Role.OFFICE)


def review(call, scored: list, *, office=None) -> list:
    """Review ``[(application, score), …]`` of one call in one round through the review services: one
    expert scores each application on one criterion (weight 100), so its result is that score, ranked
    within the focus area; the applications end ``reviewed``."""
    office = office or _office()
    expert = review_services.register_expert(
        actor=office, user=factories.user(Role.EXPERT), name=f"专家{next(_serial)}"
    )
    rnd = review_services.create_round(
        call, actor=office, name="通讯评审", method="remote", criteria=CRITERION
    )
    assignments = [
        review_services.assign(rnd, actor=office, application=app, expert=expert) for app, _score in scored
    ]
    review_services.open_round(rnd, actor=office)
    for assignment, (_app, score) in zip(assignments, scored, strict=True):
        review_services.submit_score(
            assignment,
            actor=expert.user,
            scores={"overall": score},
            comment="建议支持。",
            recommendation="support",
        )
    results = review_services.close_round(rnd, actor=office)
    for app, _score in scored:
        app.refresh_from_db()
    return results


def make_application(
    fy,
    *,
    call=None,
    area="major_projects",
    mode="competitive",
    requested="3000000.00",
    organisation=None,
    department=None,
    state=ApplicationState.REVIEWED,
    score="88.50",
    title=None,
    support_mode="grant",
) -> Application:
    """An application of ``fy``; ``state="reviewed"`` (the default) runs it through a review round
    with ``score``; any other state is written as is (test setup only, see above)."""
    call = call or make_call(
        fy, area=area, mode=mode, support_modes=tuple(dict.fromkeys(("grant", "equity", support_mode)))
    )
    n = next(_serial)
    organisation = organisation or factories.organisation()
    department = department or Department.objects.get(code="science_technology")
    reviewed = state == ApplicationState.REVIEWED
    app = Application.objects.create(
        call=call,
        organisation=organisation,
        department=department,
        number=f"SB{fy.year}{n:05d}",
        title=title or f"测试项目{n}",
        requested_amount=Decimal(requested),
        support_mode=support_mode,
        state=ApplicationState.FORMAL_PASSED if reviewed else state,
        submitted_at=timezone.now() - dt.timedelta(days=40),
        created_by=factories.user(),
    )
    if reviewed:
        review(call, [(app, score)])
    return app


# ---------------------------------------------------------------------------------------------


@pytest.fixture
def pair(fund_year, it_department):
    """Two applications of one call reviewed in one round: A 91.20 (rank 1), B 85.00 (rank 2)."""
    call = make_call(fund_year)
    a = make_application(
        fund_year, call=call, requested="4000000.00", title="海洋装备关键技术", state="formal_passed"
    )
    b = make_application(
        fund_year,
        call=call,
        requested="3000000.00",
        title="工业互联网平台",
        department=it_department,
        state="formal_passed",
    )
    review(call, [(a, "91.20"), (b, "85.00")])
    return a, b


@pytest.fixture
def app_a(pair):
    """海洋装备关键技术: 4,000,000 requested, science and technology bureau, score 91.20, rank 1."""
    return pair[0]


@pytest.fixture
def app_b(pair):
    """工业互联网平台: 3,000,000 requested, industry and IT bureau, score 85.00, rank 2."""
    return pair[1]


@pytest.fixture
def batch(fund_year, office):
    return services.create_batch(fund_year, actor=office, title="")


@pytest.fixture
def proposed(batch, app_a, app_b, office):
    """Two items in a draft batch: A 4,000,000 and B 3,000,000 in 重大科技创新专项."""
    a = services.propose_item(
        batch, actor=office, application=app_a, amount="4000000.00", support_mode="grant"
    )
    b = services.propose_item(
        batch, actor=office, application=app_b, amount="3000000.00", support_mode="grant"
    )
    return a, b


@pytest.fixture
def submitted(batch, proposed, office):
    services.submit_batch(batch, actor=office)
    batch.refresh_from_db()
    return batch


@pytest.fixture
def approved(submitted, proposed, leader):
    a, b = proposed
    services.decide_item(a, actor=leader, decision="approve", basis="领导小组第3次会议同意")
    services.decide_item(b, actor=leader, decision="approve", basis="领导小组第3次会议同意")
    a.refresh_from_db()
    b.refresh_from_db()
    return a, b


#: A Tuesday before 国庆 2026: five working days are 9/29, 9/30, 10/8, 10/9 and 10/10 (a make-up Saturday).
START = dt.date(2026, 9, 29)
END = dt.date(2026, 10, 10)
#: A day inside that period (after the holiday).
IN_PERIOD_DATE = dt.date(2026, 10, 8)


@pytest.fixture
def publicity(fund_year, approved, office):
    return services.publish_publicity(fund_year, actor=office, items=list(approved), starts_on=START)


@pytest.fixture
def officer_of(rizhao):
    def make(department):
        return factories.user(Role.DEPARTMENT, department=department)

    return make


@pytest.fixture
def applicant_of():
    def make(organisation):
        return factories.user(Role.APPLICANT, organisation=organisation)

    return make
