"""Meeting and site-visit rounds: their results come from the votes or the visit (basis), ranked by
the score they carry over; a later round never overwrites an earlier one, and the application's
review page shows every round in order, linked to its previous round."""

import datetime as dt
import sys
from decimal import Decimal

import pytest
from django.utils import timezone

from techfund.core.errors import ServiceError
from techfund.review import services
from techfund.review.models import RoundResult
from techfund.review.services import meetings, site_visits
from tests.review.conftest import CRITERIA, assignment_of, make_expert, nothing_saved, score, scores

D = Decimal


def result_rows(round_):
    return sorted(
        RoundResult.objects.filter(round=round_).values_list(
            "application__number",
            "score",
            "rank",
            "recommendation",
            "basis",
            "spread",
            "disagreement",
            "calibrated_score",
            "trimmed",
            "votes",
            "reasons",
        )
    )


@pytest.fixture
def remote(draft_round, office, app1, app2, expert_a, expert_b):
    """Round 1 (remote), closed: A-0001 87 / 50 (spread 37, disputed), A-0002 82 / 78."""
    for app in (app1, app2):
        for ex in (expert_a, expert_b):
            services.assign(draft_round, actor=office, application=app, expert=ex)
    services.open_round(draft_round, actor=office)
    score(assignment_of(draft_round, app1, expert_a), scores(90, 80, 9))  # 45 + 24 + 18 = 87
    score(assignment_of(draft_round, app1, expert_b), scores(50, 50, 5))  # 50
    score(assignment_of(draft_round, app2, expert_a), scores(82, 82, "8.2"))  # 82
    score(assignment_of(draft_round, app2, expert_b), scores(78, 78, "7.8"))  # 78
    services.close_round(draft_round, actor=office)
    draft_round.refresh_from_db()
    return draft_round


def test_a_meeting_round_adds_its_own_results_and_the_page_shows_both(
    remote, call, office, app1, app2, applicant_x, client
):
    before = result_rows(remote)
    assert [(n, s, dis) for n, s, _r, _c, _b, _s, dis, *_ in before] == [
        ("A-0001", D("68.50"), True),  # (87 + 50) / 2; spread 37 > 20
        ("A-0002", D("80.00"), False),
    ]
    assert [r.application for r in services.disputed(remote)] == [app1]

    meeting_round = services.create_round(
        call, actor=office, name="会议论证", method="meeting", criteria=CRITERIA, previous=remote
    )
    members = [make_expert(office, name=f"委员{i}", organisation_name=f"大学{i}") for i in range(5)]
    panel = meetings.create_panel(
        meeting_round, actor=office, name="专家组", members=members, chair=members[0]
    )
    held_at = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() + dt.timedelta(days=2), dt.time(9))
    )
    # the agenda: the disputed A-0001 by default, and A-0002 selected by the office
    meeting = meetings.schedule_meeting(
        panel, actor=office, held_at=held_at, place="会议室", applications=[(app2, "办公室安排论证")]
    )
    services.open_round(meeting_round, actor=office)
    ids = [m.expert_id for m in panel.members.order_by("id")]
    choices = {
        app1.pk: ["support", "support", "support", "not_support", "support_revised"],
        app2.pk: ["not_support", "not_support", "not_support", "support", "support"],
    }
    meetings.record_meeting(
        meeting,
        actor=office,
        attendance={e: True for e in ids},
        minutes="专家组逐项讨论并表决。",
        votes={app: {e: (c, "") for e, c in zip(ids, cs, strict=True)} for app, cs in choices.items()},
    )
    results = services.close_round(meeting_round, actor=office)

    # round 1 is untouched
    assert result_rows(remote) == before
    # round 2: the votes decide; the score (and the rank) carries over from round 1
    got = [(r.application.number, r.basis, r.score, r.rank, r.recommendation, r.votes) for r in results]
    assert got == [
        (
            "A-0002",
            "votes",
            D("80.00"),
            1,
            "not_support",
            {"support": 2, "support_revised": 0, "not_support": 3},
        ),
        ("A-0001", "votes", D("68.50"), 2, "support", {"support": 3, "support_revised": 1, "not_support": 1}),
    ]
    assert all(
        (r.reviews, r.spread, r.disagreement, r.calibrated_score, r.trimmed) == (5, None, False, None, False)
        for r in results
    )

    # the office's page of A-0001: both rounds in order, round 2 linked to round 1
    client.force_login(office)
    page = client.get(f"/review/applications/{app1.pk}/").content.decode()
    first, second = page.index("1. 通讯评审"), page.index("2. 会议论证")
    assert first < second
    row1 = page[first : page.index("</tr>", first)]
    row2 = page[second : page.index("</tr>", second)]
    assert "专家评分" in row1 and "68.50" in row1 and "37.00" in row1 and "评分分歧" in row1
    assert "87.00" not in row1  # the raw mean here is (87 + 50) / 2 = 68.50, not a single score
    assert "会议表决" in row2 and f'href="#result-{remote.pk}"' in row2 and "建议支持" in row2
    assert "表决结果" in row2  # the meeting's own reasons
    # the applicant sees both rounds too (closed), never an expert's name
    client.force_login(applicant_x)
    page = client.get(f"/review/applications/{app1.pk}/").content.decode()
    assert page.index("1. 通讯评审") < page.index("2. 会议论证") and "会议表决" in page
    assert "王甲" not in page and "委员0" not in page


def test_a_site_visit_without_a_previous_round_scores_zero(call, office, app1, expert_a, expert_b):
    visit = services.create_round(call, actor=office, name="第一轮", method="site_visit", criteria=CRITERIA)
    for ex in (expert_a, expert_b):
        services.assign(visit, actor=office, application=app1, expert=ex)
    services.open_round(visit, actor=office)
    site_visits.record_site_visit(
        visit,
        app1,
        actor=office,
        visited_on=timezone.localdate(),
        place="厂区",
        experts=[expert_a, expert_b],
        findings="试验台已建成。",
        conclusion="support_revised",
    )
    (r,) = services.close_round(visit, actor=office)
    assert (r.basis, r.score, r.rank, r.reviews, r.recommendation, r.votes) == (
        "site_visit",
        D("0.00"),
        1,
        2,
        "support_revised",
        {},
    )
    assert r.reasons.endswith("本轮不评分，上一轮无该项目的评审结果，综合得分记为 0 分。")


def test_closing_is_refused_while_the_meetings_module_is_missing(call, office, app1, expert_a, monkeypatch):
    visit = services.create_round(call, actor=office, name="第二轮", method="site_visit", criteria=CRITERIA)
    services.assign(visit, actor=office, application=app1, expert=expert_a)
    services.open_round(visit, actor=office)
    monkeypatch.setitem(sys.modules, "techfund.review.services.meetings", None)  # as before it existed
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.close_round(visit, actor=office)
    assert exc.value.message == (
        "“第二轮”为现场考核，其结果由会议表决或现场考核结论汇总，该功能尚未启用，暂不能结束本轮评审。"
    )
    assert exc.value.code == "round_outcomes_unavailable"
    visit.refresh_from_db()
    assert visit.state == "open" and visit.closed_at is None


def test_an_invalid_outcome_is_refused(call, office, app1, expert_a, monkeypatch):
    visit = services.create_round(call, actor=office, name="第二轮", method="site_visit", criteria=CRITERIA)
    services.assign(visit, actor=office, application=app1, expert=expert_a)
    services.open_round(visit, actor=office)
    monkeypatch.setattr(
        meetings, "site_visit_results", lambda r: [{"application": app1, "recommendation": "maybe"}]
    )
    monkeypatch.setattr(site_visits, "check_can_close", lambda r: None)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.close_round(visit, actor=office)
    assert exc.value.message == "申报项目 A-0001 的现场考核结论“maybe”无效，不能汇总结果。"
