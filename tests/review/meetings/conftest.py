"""Fixtures for meetings (会议论证) and site visits (现场考核).

A closed remote round over three applications: A-0001 is disputed (its two scores are 40 points
apart, above the policy's disagreement spread of 20), A-0002 and A-0003 are not. A meeting round and
a site-visit round follow it. Panel experts work in five different universities; ``org_x`` (the
organisation of A-0001) has an expert of its own, who must be refused for anything about A-0001.
"""

import contextlib
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from techfund.applications.models import Application
from techfund.core.models import AuditEvent
from techfund.review import services
from techfund.review.models import (
    AgendaItem,
    Attendance,
    Meeting,
    Panel,
    PanelMember,
    RoundResult,
    SiteVisit,
    SiteVisitAttachment,
    Vote,
)
from techfund.review.services import meetings, site_visits
from tests.review.conftest import CRITERIA, assignment_of, make_expert, score, scores

MODELS = (
    Panel,
    PanelMember,
    Meeting,
    AgendaItem,
    Attendance,
    Vote,
    SiteVisit,
    SiteVisitAttachment,
    RoundResult,
)

#: A minimal valid PDF, JPG and PNG (their content is what is checked).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def counts() -> dict:
    out = {m.__name__: m.objects.count() for m in MODELS}
    out["states"] = sorted(Application.objects.values_list("number", "state"))
    out["AuditEvent"] = AuditEvent.objects.exclude(action__startswith="auth.").count()
    return out


@contextlib.contextmanager
def nothing_saved():
    """The block writes no panel, meeting, vote, visit or result, no application state, no audit event."""
    before = counts()
    yield
    assert counts() == before


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture(scope="module", autouse=True)
def _media(tmp_path_factory):
    """Uploaded files go to a directory of the module's (module-scoped, so that fixtures set up
    once per module, see tests/sharing.py, write there too)."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture
def remote_closed(draft_round, office, app1, app2, app3, expert_a, expert_b):
    """Round 1 (remote) closed: A-0001 90 / 50 (disputed), A-0002 82 / 78, A-0003 70 / 68."""
    plan = {
        app1: ((90, 90, 9), (50, 50, 5)),
        app2: ((82, 82, 8.2), (78, 78, 7.8)),
        app3: ((70, 70, 7), (68, 68, 6.8)),
    }
    for app in plan:
        for ex in (expert_a, expert_b):
            services.assign(draft_round, actor=office, application=app, expert=ex)
    services.open_round(draft_round, actor=office)
    for app, (sa, sb) in plan.items():
        score(assignment_of(draft_round, app, expert_a), scores(*sa))
        score(assignment_of(draft_round, app, expert_b), scores(*sb))
    services.close_round(draft_round, actor=office)
    draft_round.refresh_from_db()
    return draft_round


@pytest.fixture
def meeting_round(remote_closed, call, office):
    return services.create_round(
        call, actor=office, name="会议论证", method="meeting", criteria=CRITERIA, previous=remote_closed
    )


@pytest.fixture
def site_round(remote_closed, call, office):
    return services.create_round(
        call, actor=office, name="现场考核", method="site_visit", criteria=CRITERIA, previous=remote_closed
    )


@pytest.fixture
def seven(office):
    """Seven panel experts from seven universities."""
    schools = (
        "山东大学",
        "中国海洋大学",
        "青岛科技大学",
        "曲阜师范大学",
        "山东科技大学",
        "济南大学",
        "烟台大学",
    )
    return [make_expert(office, name=f"委员{i + 1}", organisation_name=s) for i, s in enumerate(schools)]


@pytest.fixture
def insider(office, org_x):
    """An expert working at the applicant organisation of A-0001."""
    return make_expert(office, name="钱内", organisation=org_x)


@pytest.fixture
def panel(meeting_round, office, seven):
    """Five members, 委员1 the chair."""
    return meetings.create_panel(
        meeting_round, actor=office, name="第一专家组", members=seven[:5], chair=seven[0]
    )


NOON = dt.time(9, 0)


def at(days: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=days), NOON))


@pytest.fixture
def meeting(panel, office):
    """Planned, with the disputed A-0001 on the agenda."""
    return meetings.schedule_meeting(panel, actor=office, held_at=at(3), place="市科技局三楼会议室")


@pytest.fixture
def open_meeting_round(meeting, meeting_round, office):
    services.open_round(meeting_round, actor=office)
    meeting_round.refresh_from_db()
    return meeting_round


def all_present(panel) -> dict:
    return {m.expert_id: True for m in panel.members.all()}


def votes_of(panel, application, choices) -> dict:
    """{application: {expert: (choice, comment)}} for the members in seat order, one choice each."""
    members = [m.expert_id for m in panel.members.order_by("id")]
    return {application.pk: {e: (c, "意见") for e, c in zip(members, choices, strict=False) if c}}


@pytest.fixture
def visit_experts(office):
    return [
        make_expert(office, name="考核甲", organisation_name="山东理工大学"),
        make_expert(office, name="考核乙", organisation_name="鲁东大学"),
    ]


@pytest.fixture
def open_site_round(site_round, office, app2, app3, visit_experts):
    """A-0002 and A-0003 selected for a visit (both visiting experts assigned), round open."""
    for app in (app2, app3):
        for ex in visit_experts:
            services.assign(site_round, actor=office, application=app, expert=ex)
    services.open_round(site_round, actor=office)
    site_round.refresh_from_db()
    return site_round


def record_visit(round_, application, office, experts, **kw):
    data = {
        "visited_on": timezone.localdate(),
        "place": "日照市经济开发区厂区",
        "experts": experts,
        "findings": "试验台已建成，研发团队在岗，自筹资金到位。",
        "conclusion": "support",
        "attachments": [],
    }
    data.update(kw)
    return site_visits.record_site_visit(round_, application, actor=office, **data)
