"""专家组: size and oddness from the policy (both presets), one chair, eligible members without
conflicts, changes with a reason."""

import copy

import pytest

from techfund.core.errors import NotAllowed, ServiceError
from techfund.core.models import AuditEvent
from techfund.funds import services as fund_services
from techfund.policy.loader import load_preset
from techfund.review import services
from techfund.review.models import Panel, PanelMember
from techfund.review.services import meetings
from tests.review.conftest import CRITERIA, make_call, make_expert
from tests.review.meetings.conftest import nothing_saved


def members_of(panel) -> list[tuple[str, str]]:
    return [(m.expert.name, m.role) for m in panel.members.select_related("expert").order_by("role", "id")]


@pytest.mark.parametrize("preset", ["rizhao", "taian"])
def test_panel_size_and_oddness_follow_each_presets_policy(preset, db, office):
    profile = load_preset(preset, actor=None)
    fund_year = fund_services.open_fund_year(actor=office, year=profile.year, profile=profile)
    rules = meetings.panel_rules(fund_year.profile)
    assert rules == meetings.PanelRules(5, 7, True)  # both cities: 5–7, odd (RULES.md)
    area = {"rizhao": "key_rd", "taian": "key_technologies"}[preset]
    call = make_call(fund_year, office, code=f"M-{preset}", area=area)
    round_ = services.create_round(call, actor=office, name="会议论证", method="meeting", criteria=CRITERIA)
    experts = [make_expert(office, name=f"{preset}专家{i}", organisation_name=f"大学{i}") for i in range(8)]
    for n, message in (
        (4, "专家组人数应为5–7 名，单数（政策配置），现为 4 名。"),
        (8, "专家组人数应为5–7 名，单数（政策配置），现为 8 名。"),
        (6, "专家组人数应为单数（政策配置），现为 6 名。"),
    ):
        with nothing_saved(), pytest.raises(ServiceError) as exc:
            meetings.create_panel(round_, actor=office, name="专家组", members=experts[:n], chair=experts[0])
        assert exc.value.message == message and exc.value.errors == {"members": [message]}
    for n in (5, 7):
        p = meetings.create_panel(
            round_, actor=office, name=f"{n}人组", members=experts[:n], chair=experts[0]
        )
        assert p.members.count() == n


def test_a_changed_policy_changes_the_rule(meeting_round, office, seven):
    # TEST SETUP ONLY: the profile's table changed in place, as a newly loaded policy version would say.
    profile = meeting_round.call.fund_year.profile
    profile.rules = copy.deepcopy(profile.rules)
    profile.rules["review"].update({"panel_min": 3, "panel_max": 9, "panel_odd": False})
    profile.save(update_fields=["rules"])
    p = meetings.create_panel(meeting_round, actor=office, name="四人组", members=seven[:4], chair=seven[1])
    assert p.members.count() == 4
    with pytest.raises(ServiceError) as exc:
        meetings.create_panel(meeting_round, actor=office, name="两人组", members=seven[4:6], chair=seven[4])
    assert exc.value.message == "专家组人数应为3–9 名（政策配置），现为 2 名。"


def test_a_panel_has_one_chair_who_sits_on_it(meeting_round, office, seven):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.create_panel(meeting_round, actor=office, name="第一专家组", members=seven[:5], chair=None)
    assert exc.value.message == "请指定专家组组长。" and exc.value.errors == {"chair": ["请指定专家组组长。"]}
    # a chair not among the members joins the panel (4 + the chair = 5)
    p = meetings.create_panel(
        meeting_round, actor=office, name="第一专家组", members=seven[1:5], chair=seven[0]
    )
    assert members_of(p) == [
        ("委员1", "chair"),
        ("委员2", "member"),
        ("委员3", "member"),
        ("委员4", "member"),
        ("委员5", "member"),
    ]
    ev = AuditEvent.objects.get(action="review.panel.created")
    assert ev.after["chair"] == seven[0].pk and len(ev.after["members"]) == 5
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.create_panel(
            meeting_round, actor=office, name="第一专家组", members=seven[:5], chair=seven[0]
        )
    assert exc.value.message == "本轮已有名为“第一专家组”的专家组。"


def test_a_member_in_conflict_with_a_disputed_application_is_refused_with_the_reason(
    meeting_round, office, seven, insider, app1
):
    # A-0001 is disputed in the previous round, so the meeting will take it up: its own organisation's
    # expert may not sit on the panel.
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.create_panel(
            meeting_round, actor=office, name="第一专家组", members=[*seven[:4], insider], chair=seven[0]
        )
    message = f"专家钱内须回避申报项目 {app1.number}：专家钱内的工作单位“日照海工装备有限公司”即申报单位。"
    assert exc.value.message == message and exc.value.errors == {"members": [message]}
    assert exc.value.code == "panel_invalid"


def test_a_suspended_expert_cannot_sit(meeting_round, office, seven):
    ex = seven[4]
    services.update_expert(ex, actor=office, status="suspended", status_reason="评审意见敷衍")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.create_panel(
            meeting_round, actor=office, name="第一专家组", members=seven[:5], chair=seven[0]
        )
    assert exc.value.message == "专家委员5当前不能参加本轮评审（暂停：评审意见敷衍）。"


def test_only_a_meeting_round_has_panels(remote_closed, call, office, seven):
    site = services.create_round(call, actor=office, name="现场考核", method="site_visit", criteria=CRITERIA)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.create_panel(site, actor=office, name="专家组", members=seven[:5], chair=seven[0])
    assert exc.value.message == "“现场考核”的评审方式为“现场考核”，不能组建会议论证专家组或安排论证会议。"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.create_panel(remote_closed, actor=office, name="专家组", members=seven[:5], chair=seven[0])
    assert exc.value.code == "round_not_meeting"


def test_only_the_office_forms_panels(meeting_round, seven, auditor, expert_a):
    for who in (auditor, seven[0].user):
        with nothing_saved(), pytest.raises((NotAllowed, Exception)) as exc:
            meetings.create_panel(meeting_round, actor=who, name="专家组", members=seven[:5], chair=seven[0])
        assert exc.value.__class__.__name__ in {"NotAllowed", "NotVisible"}


def test_members_change_with_a_reason_and_the_rules_again(panel, office, seven, insider):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.change_panel(panel, actor=office, members=seven[1:6], chair=seven[1], reason="")
    assert exc.value.message == "请说明调整专家组成员的理由。"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.change_panel(
            panel, actor=office, members=[*seven[1:5], insider], chair=seven[1], reason="调整"
        )
    assert exc.value.code == "panel_invalid" and "钱内须回避" in exc.value.message
    meetings.change_panel(panel, actor=office, members=seven[1:6], chair=seven[1], reason="委员1出差")
    assert members_of(panel) == [
        ("委员2", "chair"),
        ("委员3", "member"),
        ("委员4", "member"),
        ("委员5", "member"),
        ("委员6", "member"),
    ]
    ev = AuditEvent.objects.get(action="review.panel.changed")
    assert ev.reason == "委员1出差" and ev.before["chair"] == seven[0].pk and ev.after["chair"] == seven[1].pk
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        meetings.change_panel(panel, actor=office, members=seven[1:6], chair=seven[1], reason="再调")
    assert exc.value.message == "专家组成员和组长没有变化。"
    assert Panel.objects.count() == 1 and PanelMember.objects.count() == 5
