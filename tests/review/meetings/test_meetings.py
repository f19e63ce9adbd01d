"""论证会议: the agenda (disputed applications plus the office's selection), the round's guards,
recording with a quorum, majority with the cautious tie rule, final records, results."""

import pytest

from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent
from techfund.review import services
from techfund.review.models import Meeting, RoundResult, Vote
from techfund.review.services import meetings
from tests.review.conftest import make_expert
from tests.review.meetings.conftest import all_present, at, nothing_saved, votes_of


def agenda(meeting) -> list[tuple[str, str, str]]:
    return [(i.application.number, i.reason, i.note) for i in meeting.agenda.select_related("application")]


# ---------------------------------------------------------------- the agenda


def test_the_default_agenda_is_the_previous_rounds_disputed_applications(meeting, app1, office):
    assert [r.application for r in meetings.disputed_results(meeting.panel.round)] == [app1]
    assert agenda(meeting) == [(app1.number, "disagreement", "")]
    assert meeting.state == "planned" and meeting.place == "市科技局三楼会议室"
    ev = AuditEvent.objects.get(action="review.meeting.scheduled")
    assert ev.after["agenda"][0]["number"] == app1.number


def test_the_office_adds_applications_with_a_note(panel, office, app1, app2, app3):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.schedule_meeting(panel, actor=office, held_at=at(3), place="会议室", applications=[app2])
    assert exc.value.message == f"请说明安排申报项目 {app2.number} 上会论证的理由。"
    m = meetings.schedule_meeting(
        panel,
        actor=office,
        held_at=at(3),
        place="会议室",
        applications=[(app3, "投资额大，需当面答辩"), {"application": app2.pk, "note": "技术路线存疑"}],
    )
    assert agenda(m) == [
        (app1.number, "disagreement", ""),
        (app2.number, "selected", "技术路线存疑"),
        (app3.number, "selected", "投资额大，需当面答辩"),
    ]


def test_an_application_is_on_one_planned_meeting_and_the_agenda_is_never_empty(meeting, panel, office, app1):
    # A-0001 (the only disputed one) is on a planned meeting already: nothing left by default
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.schedule_meeting(panel, actor=office, held_at=at(5), place="会议室")
    assert exc.value.code == "agenda_empty" and exc.value.message.startswith("议程为空")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.schedule_meeting(
            panel, actor=office, held_at=at(5), place="会议室", applications=[(app1, "再议")]
        )
    assert exc.value.message == f"申报项目 {app1.number} 已列入本轮另一场待召开的论证会议。"


def test_meeting_time_and_place_are_required(panel, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.schedule_meeting(panel, actor=office, held_at="明天上午", place="")
    assert exc.value.errors == {
        "held_at": ["会议时间“明天上午”格式不正确（例如 2026-06-18 09:00）。"],
        "place": ["请填写会议地点。"],
    }
    m = meetings.schedule_meeting(panel, actor=office, held_at="2026-06-18 09:30", place="会议室")
    assert m.held_at.hour == 9 and m.held_at.minute == 30


def test_a_selected_application_a_member_must_avoid_is_refused(meeting_round, office, seven, app2):
    # A-0002 is not disputed, so an expert of its organisation may sit on the panel — until the
    # office puts A-0002 on the agenda
    neighbour = make_expert(office, name="李邻", organisation=app2.organisation)
    panel = meetings.create_panel(
        meeting_round, actor=office, name="第二组", members=[*seven[:4], neighbour], chair=seven[0]
    )
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.schedule_meeting(
            panel, actor=office, held_at=at(3), place="会议室", applications=[(app2, "技术路线存疑")]
        )
    reason = f"专家李邻须回避申报项目 {app2.number}：专家李邻的工作单位“{app2.organisation.name}”即申报单位。"
    assert exc.value.code == "meeting_conflict" and exc.value.errors == {"applications": [reason]}
    assert exc.value.message == f"专家组成员与议程项目存在回避情形，请调整专家组成员或议程：{reason}"


# ---------------------------------------------------------------- the round's guards


def test_a_meeting_round_opens_once_a_meeting_is_scheduled(meeting_round, panel, office, app1):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.open_round(meeting_round, actor=office)
    assert exc.value.message == "“会议论证”还没有组建专家组并安排论证会议，不能开始评审。"
    meetings.schedule_meeting(panel, actor=office, held_at=at(3), place="会议室")
    services.open_round(meeting_round, actor=office)
    meeting_round.refresh_from_db()
    assert meeting_round.state == "open"
    # The agenda's applications (here the disputed one of the remote round) are in review again.
    app1.refresh_from_db()
    assert app1.state == "in_review"


def test_scheduling_in_an_open_round_puts_the_application_in_review(open_meeting_round, panel, office, app3):
    app3.refresh_from_db()
    assert app3.state == "reviewed"
    meetings.schedule_meeting(
        panel, actor=office, held_at=at(4), place="会议室", applications=[(app3, "补充论证")]
    )
    app3.refresh_from_db()
    assert app3.state == "in_review"


def test_cancelling_a_planned_meeting(open_meeting_round, panel, office, app3):
    m = meetings.schedule_meeting(
        panel,
        actor=office,
        held_at=at(4),
        place="会议室",
        applications=[(app3, "补充论证")],
        include_disputed=False,
    )
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.cancel_meeting(m, actor=office, reason=" ")
    assert exc.value.message == "请说明取消论证会议的理由。"
    meetings.cancel_meeting(m, actor=office, reason="安排有误")
    assert not Meeting.objects.filter(pk=m.pk).exists()
    app3.refresh_from_db()
    assert app3.state == "reviewed"  # back where it came from
    ev = AuditEvent.objects.get(action="review.meeting.cancelled")
    assert ev.reason == "安排有误" and ev.before["agenda"][0]["number"] == app3.number


def test_the_round_closes_only_when_every_meeting_is_recorded(open_meeting_round, meeting, office, app1):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.close_round(open_meeting_round, actor=office)
    assert exc.value.code == "round_has_planned_meetings" and "请录入会议结果或取消会议" in exc.value.message
    panel = meeting.panel
    meetings.record_meeting(
        meeting,
        actor=office,
        attendance=all_present(panel),
        minutes="与会专家充分讨论了项目的合理性与可行性。",
        votes=votes_of(panel, app1, ["support", "support", "support_revised", "support", "not_support"]),
    )
    results = services.close_round(open_meeting_round, actor=office)
    r = RoundResult.objects.get(round=open_meeting_round)
    assert [x.pk for x in results] == [r.pk]
    assert (r.application, r.recommendation, r.basis, r.reviews) == (app1, "support", "votes", 5)
    assert r.votes == {"support": 3, "support_revised": 1, "not_support": 1}
    assert r.score == RoundResult.objects.get(round=open_meeting_round.previous, application=app1).score
    app1.refresh_from_db()
    assert app1.state == "reviewed"


# ---------------------------------------------------------------- recording


def test_quorum_is_more_than_half_the_panel(open_meeting_round, meeting, app1, office):
    panel = meeting.panel
    ids = [m.expert_id for m in panel.members.order_by("id")]
    attendance = {e: i < 2 for i, e in enumerate(ids)}  # 2 of 5
    votes = {app1.pk: {ids[0]: ("support", ""), ids[1]: ("support", "")}}
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.record_meeting(meeting, actor=office, attendance=attendance, minutes="纪要", votes=votes)
    assert (
        exc.value.message
        == "出席专家 2 名，未超过专家组 5 名成员的半数，会议不足法定人数，不能形成表决结果。"
    )
    attendance[ids[2]] = True  # 3 of 5
    votes[app1.pk][ids[2]] = ("not_support", "市场前景不明")
    meetings.record_meeting(meeting, actor=office, attendance=attendance, minutes="纪要", votes=votes)
    meeting.refresh_from_db()
    assert meeting.state == "held" and meeting.recorded_by == office and meeting.minutes == "纪要"
    assert sorted(meeting.attendance.values_list("expert_id", "present")) == sorted(attendance.items())
    assert Vote.objects.filter(item__meeting=meeting).count() == 3


def test_votes_only_from_present_members_and_from_all_of_them(
    open_meeting_round, meeting, app1, office, expert_a
):
    panel = meeting.panel
    ids = [m.expert_id for m in panel.members.order_by("id")]
    names = {m.expert_id: m.expert.name for m in panel.members.select_related("expert")}
    attendance = {e: e != ids[4] for e in ids}  # the fifth is absent
    base = {e: ("support", "") for e in ids[:4]}

    def refused(votes, attendance=attendance, minutes="纪要"):
        with nothing_saved(), pytest.raises(ServiceError) as exc:
            meetings.record_meeting(
                meeting, actor=office, attendance=attendance, minutes=minutes, votes=votes
            )
        return exc.value

    e = refused({app1.pk: {**base, ids[4]: ("support", "")}})
    assert e.message == f"申报项目 {app1.number}：专家{names[ids[4]]}未出席会议，不能表决。"
    e = refused({app1.pk: {k: v for k, v in base.items() if k != ids[3]}})
    assert e.message == f"申报项目 {app1.number}：以下出席专家尚未表决：{names[ids[3]]}。"
    e = refused({app1.pk: {**base, expert_a.pk: ("support", "")}})
    assert e.message == f"申报项目 {app1.number}：专家“{expert_a.pk}”不是本专家组成员，不能表决。"
    e = refused({app1.pk: {**base, ids[0]: ("abstain", "")}})
    assert e.message == (
        f"申报项目 {app1.number}：专家{names[ids[0]]}的表决意见“abstain”无效（可选：建议支持、修改后支持、不建议支持）。"
    )
    e = refused({app1.pk: base}, attendance={k: v for k, v in attendance.items() if k != ids[4]})
    assert e.message == f"请登记以下专家组成员的出席情况：{names[ids[4]]}。"
    e = refused({app1.pk: base}, minutes="  ")
    assert e.message == "请填写会议纪要。"
    e = refused({app1.pk + 1000: base})
    assert e.message.startswith("表决意见有误") or "不在本次会议议程中" in e.message
    # string keys (as JSON sends them) and dict votes are accepted
    meetings.record_meeting(
        meeting,
        actor=office,
        attendance={str(k): v for k, v in attendance.items()},
        minutes="纪要",
        votes={str(app1.pk): {str(k): {"choice": "support", "comment": "同意"} for k in ids[:4]}},
    )
    assert set(Vote.objects.values_list("comment", flat=True)) == {"同意"}


def test_a_held_meeting_is_final(open_meeting_round, meeting, app1, office):
    panel = meeting.panel
    data = {
        "attendance": all_present(panel),
        "minutes": "纪要",
        "votes": votes_of(panel, app1, ["support"] * 5),
    }
    meetings.record_meeting(meeting, actor=office, **data)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.record_meeting(meeting, actor=office, **data)
    assert exc.value.code == "meeting_final" and exc.value.message.endswith(
        "不能修改；如需更正，请另行安排会议。"
    )
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.cancel_meeting(meeting, actor=office, reason="撤销")
    assert exc.value.code == "meeting_final"
    # a correction: a new meeting on the same application decides instead
    again = meetings.schedule_meeting(
        panel, actor=office, held_at=at(10), place="会议室", applications=[(app1, "更正表决")]
    )
    assert agenda(again) == [(app1.number, "disagreement", "更正表决")]
    meetings.record_meeting(
        again,
        actor=office,
        attendance=all_present(panel),
        minutes="更正",
        votes=votes_of(panel, app1, ["not_support"] * 5),
    )
    [result] = meetings.meeting_results(open_meeting_round)
    assert result["recommendation"] == "not_support" and result["meeting"] == again.pk


def test_recording_needs_the_round_under_way(meeting, app1, office):
    panel = meeting.panel
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.record_meeting(
            meeting,
            actor=office,
            attendance=all_present(panel),
            minutes="纪要",
            votes=votes_of(panel, app1, ["support"] * 5),
        )
    assert exc.value.message == "“会议论证”尚未开始评审，请先开始评审再录入会议结果。"


# ---------------------------------------------------------------- majority and ties


def test_tally_majority_and_the_cautious_tie_rule():
    assert meetings.tally(["support", "support", "not_support"])[0] == "support"
    assert meetings.tally(["support", "not_support"])[0:3:2] == ("not_support", True)
    assert meetings.tally(["support", "support_revised"])[0] == "support_revised"
    assert meetings.tally(["support_revised", "not_support", "support"])[0] == "not_support"
    assert meetings.tally(["support", "support", "support_revised", "support_revised", "not_support"])[0] == (
        "support_revised"
    )


@pytest.mark.parametrize(
    ("choices", "expected", "tie"),
    [
        (["support", "support", "support", "not_support", "not_support"], "support", False),
        (["support", "support", "not_support", "not_support", None], "not_support", True),
        (["support", "support", "support_revised", "support_revised", None], "support_revised", True),
    ],
)
def test_results(open_meeting_round, meeting, app1, office, choices, expected, tie):
    panel = meeting.panel
    ids = [m.expert_id for m in panel.members.order_by("id")]
    attendance = {e: c is not None for e, c in zip(ids, choices, strict=True)}
    meetings.record_meeting(
        meeting, actor=office, attendance=attendance, minutes="纪要", votes=votes_of(panel, app1, choices)
    )
    [r] = meetings.meeting_results(open_meeting_round)
    previous = RoundResult.objects.get(round=open_meeting_round.previous, application=app1)
    assert set(r) >= {"application", "recommendation", "reasons", "votes", "score"}
    assert r["application"] == app1 and r["recommendation"] == expected and r["score"] == previous.score
    assert r["votes"] == {c: choices.count(c) for c in ("support", "support_revised", "not_support")}
    assert r["basis"] == "votes" and r["reviews"] == sum(1 for c in choices if c)
    present = sum(1 for c in choices if c)
    assert f"专家组 5 人，出席 {present} 人" in r["reasons"]
    assert meeting.held_at.strftime("%Y-%m-%d") in r["reasons"]
    assert (
        f"上一轮综合得分 {previous.score:.2f} 分，评分极差 {previous.spread:.2f} 分（评分分歧较大）。"
        in r["reasons"]
    )
    assert ("票数相同，按从严原则取较审慎的意见。" in r["reasons"]) is tie
    for m in panel.members.select_related("expert"):
        assert m.expert.name not in r["reasons"]  # results reach applicants: never an expert's name
