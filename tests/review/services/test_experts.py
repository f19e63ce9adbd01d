import pytest

from techfund.core.enums import Role
from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.review import services
from techfund.review.models import Expert
from tests import factories
from tests.review.conftest import make_expert, nothing_saved


def test_register_expert_with_an_organisation(office, org_x):
    user = factories.user(Role.EXPERT)
    ex = services.register_expert(
        actor=office,
        user=user,
        name=" 钱丁 ",
        organisation=org_x,
        title="高级工程师",
        subjects=["海洋工程"],
        keywords="海工装备，智能控制、海工装备",
        profile="从事海工装备研究二十年。",
        max_load=5,
    )
    assert ex.name == "钱丁" and ex.organisation == org_x
    assert ex.organisation_name == org_x.name  # taken from the organisation when not given
    assert ex.keywords == ["海工装备", "智能控制"] and ex.subjects == ["海洋工程"]
    assert ex.max_load == 5 and ex.status == "active"
    ev = AuditEvent.objects.get(action="review.expert.registered")
    assert ev.role == "office" and ev.after["name"] == "钱丁" and ev.after["organisation"] == org_x.pk


def test_a_user_without_the_expert_role_is_refused(office, applicant):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.register_expert(actor=office, user=applicant, name="钱丁")
    assert exc.value.message == f"账号“{applicant.username}”没有评审专家角色，请先由安全管理员授予该角色。"
    assert exc.value.code == "user_not_expert"


def test_an_expert_is_registered_once(office, expert_a):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.register_expert(actor=office, user=expert_a.user, name="王甲")
    assert exc.value.message == f"账号“{expert_a.user.username}”已登记为评审专家。"


def test_bad_details_are_all_reported(office, expert):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.register_expert(actor=office, user=expert, name=" ", max_load=0)
    assert exc.value.message == "专家信息有误，请按提示修改。"
    assert exc.value.errors == {
        "name": ["请填写姓名。"],
        "max_load": ["每轮最多评审数应为 1 到 500 之间的整数，收到“0”。"],
    }


@pytest.mark.parametrize("who", ["leader", "expert", "applicant", "auditor"])
def test_only_the_office_registers_experts(who, request, db):
    user, actor = factories.user(Role.EXPERT), request.getfixturevalue(who)
    with nothing_saved(), pytest.raises(NotAllowed):
        services.register_expert(actor=actor, user=user, name="钱丁")


def test_update_expert_records_only_what_changed(office, expert_a):
    services.update_expert(
        expert_a, actor=office, status="suspended", status_reason="多次无故拒评", title="教授", max_load="8"
    )
    expert_a.refresh_from_db()
    assert expert_a.status == "suspended" and expert_a.max_load == 8
    ev = AuditEvent.objects.get(action="review.expert.updated")
    assert ev.before == {"status": "active", "max_load": 20, "status_reason": ""} and ev.after == {
        "status": "suspended",
        "max_load": 8,
        "status_reason": "多次无故拒评",
    }


def test_update_expert_refusals(office, expert_a, expert_b):
    with nothing_saved():
        with pytest.raises(ServiceError) as exc:
            services.update_expert(expert_a, actor=office, user=expert_b.user)
        assert exc.value.message == "不能修改的专家字段：user。"
        with pytest.raises(ServiceError) as exc:
            services.update_expert(expert_a, actor=office, status="retired")
        assert exc.value.message == "专家状态“retired”无效。"
        # an expert sees their own record only, and may not change it
        with pytest.raises(NotAllowed):
            services.update_expert(expert_a, actor=expert_a.user, title="院士")
        with pytest.raises(NotVisible):
            services.update_expert(expert_b, actor=expert_a.user, title="院士")


def test_an_expert_of_the_organisation_of_an_application(office, org_x):
    ex = make_expert(office, organisation=org_x)
    assert Expert.objects.get(pk=ex.pk).organisation_id == org_x.pk


# ---------------------------------------------------------------- the pool's details and status

import datetime as dt  # noqa: E402

from django.utils import timezone  # noqa: E402

from techfund.review.models import AvailabilityWindow, ExpertRelation  # noqa: E402
from techfund.review.services.experts import effective_status, history  # noqa: E402
from tests.review.conftest import assignment_of, valid_id  # noqa: E402


def test_id_number_is_validated_like_team_members_and_unique_in_the_pool(office, expert_a, expert_b):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.update_expert(expert_a, actor=office, id_number="371102197001010001")
    assert exc.value.message == "身份证号码“371102197001010001”的校验位不正确。"
    assert exc.value.errors == {"id_number": ["身份证号码“371102197001010001”的校验位不正确。"]}
    good = valid_id(4242)
    services.update_expert(expert_a, actor=office, id_number=f" {good.lower()} ")
    expert_a.refresh_from_db()
    assert expert_a.id_number == good
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.update_expert(expert_b, actor=office, id_number=good)
    assert exc.value.message == f"证件号码 {good} 已登记为专家王甲。"


def test_suspension_with_a_period_and_reinstatement(office, expert_a):
    today = timezone.localdate()
    until = today + dt.timedelta(days=365)
    services.set_status(
        expert_a, actor=office, status="suspended", until=until.isoformat(), reason="无故拒评三次"
    )
    expert_a.refresh_from_db()
    assert (expert_a.status, expert_a.status_until, expert_a.status_reason) == (
        "suspended",
        until,
        "无故拒评三次",
    )
    ev = AuditEvent.objects.get(action="review.expert.suspended")
    assert ev.reason == "无故拒评三次" and ev.after == {
        "status": "suspended",
        "status_until": until.isoformat(),
        "status_reason": "无故拒评三次",
    }
    assert effective_status(expert_a) == "suspended"
    assert effective_status(expert_a, until + dt.timedelta(days=1)) == "active"  # the period ends by itself
    services.set_status(expert_a, actor=office, status="active", reason="期满前提前恢复")
    expert_a.refresh_from_db()
    assert (expert_a.status, expert_a.status_until, expert_a.status_reason) == ("active", None, "")
    assert AuditEvent.objects.get(action="review.expert.reinstated").reason == "期满前提前恢复"


def test_status_refusals(office, expert_a, expert_b):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with nothing_saved():
        with pytest.raises(ServiceError) as exc:
            services.set_status(expert_a, actor=office, status="banned", reason=" ")
        assert exc.value.message == "暂停或禁入评审专家须说明原因。"
        with pytest.raises(ServiceError) as exc:
            services.set_status(expert_a, actor=office, status="banned", until=yesterday, reason="违规")
        assert exc.value.errors == {
            "status_until": [f"期限不能早于今天（{timezone.localdate().isoformat()}）。"]
        }
        with pytest.raises(ServiceError) as exc:
            services.set_status(expert_a, actor=office, status="banned", until="明年", reason="违规")
        assert exc.value.message == "期限至“明年”不是有效的日期（格式：2026-05-01）。"
        with pytest.raises(ServiceError) as exc:
            services.set_status(expert_a, actor=office, status="active")
        assert exc.value.message == "专家王甲已在库，无需恢复。"
        with pytest.raises(ServiceError) as exc:
            services.update_expert(expert_a, actor=office, status="suspended")
        assert exc.value.message == "暂停或禁入评审专家须说明原因。"
        with pytest.raises(NotAllowed):
            services.set_status(expert_a, actor=expert_a.user, status="active")
        with pytest.raises(NotVisible):
            services.set_status(expert_b, actor=expert_a.user, status="banned", reason="x")


def test_an_expert_edits_their_own_profile_but_not_status_or_organisation(office, expert_a, expert_b, org_x):
    services.update_own_profile(
        expert_a.__class__.objects.get(pk=expert_a.pk),
        actor=expert_a.user,
        title="研究员",
        keywords="海洋工程、船舶",
        publications="《深海装备》",
        phone="13800000000",
        email="wang@example.com",
        max_load="12",
    )
    expert_a.refresh_from_db()
    assert (expert_a.title, expert_a.keywords, expert_a.max_load) == ("研究员", ["海洋工程", "船舶"], 12)
    ev = AuditEvent.objects.get(action="review.expert.profile_updated")
    assert ev.role == "expert" and ev.after["email"] == "wang@example.com"
    with nothing_saved():
        for fields, names in (
            ({"status": "active"}, "状态"),
            ({"organisation": org_x.pk, "title": "院士"}, "工作单位"),
            ({"name": "王某", "id_number": valid_id(77)}, "姓名、证件号码"),
            ({"status_until": None, "organisation_name": "X"}, "工作单位名称、期限至"),
        ):
            with pytest.raises(ServiceError) as exc:
                services.update_own_profile(expert_a, actor=expert_a.user, **fields)
            assert exc.value.message == f"以下信息由领导小组办公室维护，您不能修改：{names}。"
        with pytest.raises(ServiceError) as exc:
            services.update_own_profile(expert_a, actor=expert_a.user, email="not-an-email")
        assert exc.value.message == "电子邮箱“not-an-email”格式不正确。"
        with pytest.raises(NotVisible):
            services.update_own_profile(expert_b, actor=expert_a.user, title="院士")
        with pytest.raises(NotAllowed):  # the office keeps the pool, but the profile is the expert's
            services.update_own_profile(expert_a, actor=office, title="院士")


def test_availability_windows(office, expert_a, expert_b):
    w = services.add_availability(expert_a, actor=expert_a.user, starts_on="2026-06-01", ends_on="2026-06-30")
    assert AuditEvent.objects.get(action="review.availability.added").role == "expert"
    with nothing_saved():
        with pytest.raises(ServiceError) as exc:
            services.add_availability(expert_a, actor=office, starts_on="2026-06-30", ends_on="2026-07-10")
        assert exc.value.message == "与已有的可参评时段 2026-06-01 至 2026-06-30 重叠。"
        with pytest.raises(ServiceError) as exc:
            services.add_availability(expert_a, actor=office, starts_on="2026-08-10", ends_on="2026-08-01")
        assert exc.value.message == "结束日期不能早于开始日期。"
        with pytest.raises(NotVisible):
            services.add_availability(
                expert_b, actor=expert_a.user, starts_on="2026-08-01", ends_on="2026-08-02"
            )
    services.remove_availability(w, actor=office)
    assert not AvailabilityWindow.objects.exists()


def test_relations_are_declared_and_withdrawn(office, expert_a, expert_b, org_x):
    r = services.declare_relation(
        expert_a, actor=expert_a.user, kind="relative", person_name=" 王小 ", person_id_number=valid_id(99)
    )
    assert (r.person_name, r.person_id_number) == ("王小", valid_id(99))
    services.declare_relation(expert_a, actor=office, kind="economic", organisation=org_x, note="兼职")
    assert AuditEvent.objects.filter(action="review.relation.declared").count() == 2
    with nothing_saved():
        with pytest.raises(ServiceError) as exc:
            services.declare_relation(expert_a, actor=expert_a.user, kind="relative")
        assert exc.value.message == "请填写对方姓名（或证件号码），或选择相关单位。"
        with pytest.raises(ServiceError) as exc:
            services.declare_relation(expert_a, actor=expert_a.user, kind="friend", person_name="某")
        assert exc.value.message == "请选择关系类型。"
        with pytest.raises(ServiceError) as exc:
            services.declare_relation(
                expert_a,
                actor=expert_a.user,
                kind="relative",
                person_name="王小",
                person_id_number=valid_id(99),
            )
        assert exc.value.message == "该利益关系已申报。"
        with pytest.raises(NotVisible):
            services.withdraw_relation(r, actor=expert_b.user)
    services.withdraw_relation(r, actor=expert_a.user, reason="填错")
    assert ExpertRelation.objects.filter(expert=expert_a).count() == 1
    ev = AuditEvent.objects.get(action="review.relation.withdrawn")
    assert ev.before["person_name"] == "王小" and ev.reason == "填错"


def test_the_pledge_is_signed_once(expert_a, office):
    services.sign_pledge(expert_a, actor=expert_a.user)
    expert_a.refresh_from_db()
    assert expert_a.pledge_signed_at is not None
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.sign_pledge(expert_a, actor=expert_a.user)
    assert exc.value.message.startswith("您已于 ") and exc.value.code == "pledge_signed"
    with pytest.raises(NotAllowed):
        services.sign_pledge(expert_a, actor=office)


def test_history_counts_each_round(open_round, office, app1, app2, expert_a):
    services.decline(assignment_of(open_round, app2, expert_a), actor=expert_a.user, reason="回避")
    h = history(expert_a)
    assert h["totals"] == {"rounds": 1, "assigned": 2, "submitted": 0, "declined": 1}
    assert h["rounds"][0]["round__name"] == "通讯评审"


def test_an_expired_period_does_not_block_other_edits(office, expert_a):
    # TEST SETUP ONLY: a suspension recorded earlier whose period has run out.
    past = timezone.localdate() - dt.timedelta(days=3)
    Expert.objects.filter(pk=expert_a.pk).update(
        status="suspended", status_until=past, status_reason="无故拒评"
    )
    services.update_expert(
        expert_a,
        actor=office,
        status="suspended",
        status_until=past,
        status_reason="无故拒评",
        title="研究员",
    )
    expert_a.refresh_from_db()
    assert expert_a.title == "研究员" and effective_status(expert_a) == "active"
