"""回避: every rule with its reason, found in bulk (find_conflicts) and for one pair (pair_conflicts)."""

import datetime as dt

import pytest
from django.utils import timezone

from techfund.applications.models import Application
from techfund.core.services import people
from techfund.review import services
from techfund.review.models import ConflictFinding, Exclusion
from techfund.review.services.conflicts import (
    eligible_experts,
    find_conflicts,
    pair_conflicts,
    record_conflicts,
)
from tests import factories
from tests.review.conftest import make_call, make_expert
from tests.review.pool.conftest import apply, expert_with_id, person_id


@pytest.fixture
def group(db):
    """海工集团 ← 海工装备公司 ← 海工研究院 (parent chain of three)."""
    top = factories.organisation(name="日照海工集团有限公司")
    mid = factories.organisation(name="日照海工装备有限公司", parent=top)
    low = factories.organisation(name="日照海工研究院有限公司", parent=mid)
    return top, mid, low


def rules_of(found, app, expert):
    return found.get((app.pk, expert.pk), [])


def test_same_entity_in_both_directions_and_at_any_depth(draft_round, call, office, group):
    top, mid, low = group
    app_mid = apply(call, organisation=mid)
    at_top = make_expert(office, name="上级甲", organisation=top)
    at_mid = make_expert(office, name="本单位乙", organisation=mid)
    at_low = make_expert(office, name="下属丙", organisation=low)
    by_name = make_expert(office, name="名称丁", organisation_name=" 日照海工研究院 有限公司")
    outsider = make_expert(office, name="外单位戊", organisation_name="山东大学")
    found = find_conflicts(draft_round, [app_mid], [at_top, at_mid, at_low, by_name, outsider])
    assert rules_of(found, app_mid, at_top) == [
        (
            "same_entity",
            "专家上级甲的工作单位“日照海工集团有限公司”是申报单位“日照海工装备有限公司”的上级单位。",
        )
    ]
    assert rules_of(found, app_mid, at_mid) == [
        ("same_entity", "专家本单位乙的工作单位“日照海工装备有限公司”即申报单位。")
    ]
    assert rules_of(found, app_mid, at_low) == [
        (
            "same_entity",
            "专家下属丙的工作单位“日照海工研究院有限公司”是申报单位“日照海工装备有限公司”的下属单位。",
        )
    ]
    # no organisation record: the workplace typed is compared with the organisations' names
    assert rules_of(found, app_mid, by_name) == [
        (
            "same_entity",
            "专家名称丁的工作单位“日照海工研究院有限公司”是申报单位“日照海工装备有限公司”的下属单位。",
        )
    ]
    assert (app_mid.pk, outsider.pk) not in found
    # two levels apart, both ways
    app_low, app_top = apply(call, organisation=low), apply(call, organisation=top)
    found = find_conflicts(draft_round, [app_low, app_top], [at_top, at_low])
    assert rules_of(found, app_low, at_top)[0][1].endswith("是申报单位“日照海工研究院有限公司”的上级单位。")
    assert rules_of(found, app_top, at_low)[0][1].endswith("是申报单位“日照海工集团有限公司”的下属单位。")


def test_same_batch_names_the_experts_own_application(draft_round, call, office):
    ex = expert_with_id(office, "钱专家")
    own = apply(call, team=[("钱专家", ex.id_number)], title="专家自己的项目")
    other = apply(call)
    elsewhere = apply(make_call(draft_round.call.fund_year, office))
    found = find_conflicts(draft_round, [own, other, elsewhere], [ex])
    assert rules_of(found, own, ex) == [("same_batch", "专家钱专家本人是本项目的成员（同批次申报）。")]
    assert rules_of(found, other, ex) == [
        ("same_batch", f"专家钱专家本人参与了同批次申报项目 {own.number}《专家自己的项目》。")
    ]
    assert (elsewhere.pk, ex.pk) not in found  # another call is another batch


def _created(app, when: dt.datetime) -> None:
    Application.objects.filter(pk=app.pk).update(created_at=timezone.make_aware(when))


def test_collaborators_within_the_policy_window(draft_round, call, office, fund_year):
    """Rizhao: conflict_years 3, fund year 2026 → applications created from 2023-01-01 on count."""
    assert fund_year.year == 2026 and fund_year.profile.rule("review.conflict_years") == 3
    ex = expert_with_id(office, "孙专家")
    mate = person_id()
    other_call = make_call(fund_year, office)
    old_org = factories.organisation(name="青岛海洋科技有限公司")
    earlier = apply(
        other_call,
        organisation=old_org,
        team=[("孙专家", ex.id_number), ("周同事", mate)],
        title="旧合作项目",
    )
    target = apply(call, team=[("吴负责", person_id()), ("周同事", mate)])
    same_org = apply(call, organisation=old_org)
    unrelated = apply(call)

    _created(earlier, dt.datetime(2023, 1, 1, 0, 0))  # the first day inside the window
    found = find_conflicts(draft_round, [target, same_org, unrelated], [ex])
    assert rules_of(found, target, ex) == [
        (
            "collaborator",
            f"专家孙专家近3年内与本项目成员周同事共同参与申报项目 {earlier.number}《旧合作项目》（2023年）。",
        )
    ]
    assert rules_of(found, same_org, ex) == [
        (
            "collaborator",
            f"专家孙专家近3年内参与了申报单位“青岛海洋科技有限公司”的申报项目 {earlier.number}《旧合作项目》（2023年）。",
        )
    ]
    assert (unrelated.pk, ex.pk) not in found

    _created(earlier, dt.datetime(2022, 12, 31, 23, 59))  # the last moment before it
    found = find_conflicts(draft_round, [target, same_org, unrelated], [ex])
    assert found == {}


def test_declared_relations_by_id_by_name_and_workplace_and_by_organisation(draft_round, call, office):
    ex = make_expert(office, name="郑专家", organisation_name="山东大学")
    relative_id = person_id()
    org = factories.organisation(name="日照蓝海科技有限公司")
    by_id = apply(call, team=[("王亲属", relative_id)])
    by_name = apply(call, team=[("冯学生", person_id(), "中国海洋大学")])
    namesake_elsewhere = apply(call, team=[("冯学生", person_id(), "青岛大学")])
    by_org = apply(call, organisation=org)
    services.declare_relation(
        ex, actor=ex.user, kind="relative", person_id_number=relative_id, person_name="王某"
    )
    services.declare_relation(
        ex, actor=ex.user, kind="teacher_student", person_name="冯 学生", person_organisation="中国海洋大学"
    )
    services.declare_relation(ex, actor=ex.user, kind="economic", organisation=org)
    found = find_conflicts(draft_round, [by_id, by_name, namesake_elsewhere, by_org], [ex])
    assert rules_of(found, by_id, ex) == [
        ("declared", "专家郑专家申报的利益关系：与本项目成员王亲属为“近亲属”。")
    ]
    assert rules_of(found, by_name, ex) == [
        ("declared", "专家郑专家申报的利益关系：与本项目成员冯学生为“师生关系”。")
    ]
    assert (namesake_elsewhere.pk, ex.pk) not in found
    assert rules_of(found, by_org, ex) == [
        ("declared", "专家郑专家申报的利益关系：与申报单位“日照蓝海科技有限公司”为“经济利益关系”。")
    ]


def test_exclusions_match_by_name_and_workplace(draft_round, call, office):
    wang_sd = make_expert(office, name="王甲", organisation_name="山东大学")
    wang_qd = make_expert(office, name="王甲", organisation_name="青岛大学")
    zhao = make_expert(office, name="赵乙", organisation_name="中国海洋大学")
    app = apply(call)
    who = app.created_by
    Exclusion.objects.create(
        application=app, name="王 甲", organisation_name="山东 大学", reason="学术观点分歧", created_by=who
    )
    Exclusion.objects.create(application=app, name="赵乙", reason="竞争关系", created_by=who)
    found = find_conflicts(draft_round, [app], [wang_sd, wang_qd, zhao])
    assert rules_of(found, app, wang_sd) == [
        ("excluded", "申报单位申请专家王甲（山东 大学）回避：学术观点分歧")
    ]
    assert (app.pk, wang_qd.pk) not in found
    assert rules_of(found, app, zhao) == [("excluded", "申报单位申请专家赵乙回避：竞争关系")]


def test_find_conflicts_agrees_with_pair_conflicts(draft_round, call, office, group):
    top, mid, low = group
    e1 = expert_with_id(office, "甲一", organisation=top)
    e2 = expert_with_id(office, "乙二", organisation_name="山东大学")
    e3 = expert_with_id(office, "丙三")
    apps = [
        apply(call, organisation=low, team=[("某甲", person_id()), ("乙二", e2.id_number)]),
        apply(call, organisation=mid),
        apply(call, team=[("某丙", person_id())]),
    ]
    services.declare_relation(e3, actor=e3.user, kind="economic", organisation=mid)
    Exclusion.objects.create(
        application=apps[2], name="甲一", reason="同行竞争", created_by=apps[2].created_by
    )
    experts = [e1, e2, e3]
    found = find_conflicts(draft_round, Application.objects.filter(pk__in=[a.pk for a in apps]), experts)
    pairs = {(a.pk, e.pk): pair_conflicts(e, a, draft_round) for a in apps for e in experts}
    assert {k: v for k, v in pairs.items() if v} == found
    assert {rule for items in found.values() for rule, _ in items} == {
        "same_entity",
        "same_batch",
        "declared",
        "excluded",
    }
    # without a round, the application's own call's fund year is used
    assert pair_conflicts(e1, apps[1]) == pairs[(apps[1].pk, e1.pk)]


def test_record_conflicts_replaces_the_rounds_findings(draft_round, call, office):
    insider_org = factories.organisation()
    a1, a2 = apply(call, organisation=insider_org), apply(call)
    ex = make_expert(office, name="内部专家", organisation=insider_org)
    other = make_expert(office, name="他人")
    found = find_conflicts(draft_round, [a1, a2], [ex, other])
    assert record_conflicts(draft_round, found) == 1
    row = ConflictFinding.objects.get()
    assert (row.application_id, row.expert_id, row.rule) == (a1.pk, ex.pk, "same_entity")
    # re-checking only a2 keeps a1's finding
    assert record_conflicts(draft_round, {}, applications=[a2]) == 0
    assert ConflictFinding.objects.count() == 1
    # the expert moved: re-checking the pair removes it
    assert record_conflicts(draft_round, {}, applications=[a1], experts=[ex]) == 0
    assert not ConflictFinding.objects.exists()
    record_conflicts(draft_round, found)
    assert record_conflicts(draft_round, {}) == 0 and not ConflictFinding.objects.exists()


def test_eligible_experts(draft_round, office, secadmin, expert_a, expert_b, expert_c):
    draft_round.starts_on, draft_round.ends_on = dt.date(2026, 6, 1), dt.date(2026, 6, 30)
    draft_round.save()
    today = timezone.localdate()
    services.set_status(expert_a, actor=office, status="suspended", reason="多次无故拒评")
    services.set_status(expert_b, actor=office, status="banned", until=today, reason="违反保密规定")
    services.add_availability(expert_c, actor=office, starts_on="2026-07-01", ends_on="2026-07-31")
    with_window = make_expert(office, name="有时段")
    services.add_availability(with_window, actor=office, starts_on="2026-05-01", ends_on="2026-06-01")
    plain = make_expert(office, name="无时段")
    eligible = set(eligible_experts(draft_round))
    assert plain in eligible and with_window in eligible
    assert expert_a not in eligible  # suspended indefinitely
    assert expert_c not in eligible  # available only after the round
    # a ban that ended before the round started no longer keeps the expert out
    assert (expert_b in eligible) == (today < draft_round.starts_on)
    # an expert whose account lost the expert role is not drawn
    grant = plain.user.grants.get(role="expert")
    people.revoke_role(actor=secadmin, grant=grant, reason="调离")
    assert plain not in set(eligible_experts(draft_round))
