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
    services.update_expert(expert_a, actor=office, status="suspended", title="教授", max_load="8")
    expert_a.refresh_from_db()
    assert expert_a.status == "suspended" and expert_a.max_load == 8
    ev = AuditEvent.objects.get(action="review.expert.updated")
    assert ev.before == {"status": "active", "max_load": 20} and ev.after == {
        "status": "suspended",
        "max_load": 8,
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
