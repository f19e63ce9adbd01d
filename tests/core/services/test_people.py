"""Accounts, departments, role grants (三员分立) and password changes."""

import pytest

from techfund.core.enums import ADMIN_ROLES, Role
from techfund.core.errors import NotAllowed, ServiceError
from techfund.core.models import AuditEvent, Department, RoleGrant, User
from techfund.core.services import people
from tests import factories

ADMINS = sorted(ADMIN_ROLES)
BUSINESS = [r for r in Role.values if r not in ADMIN_ROLES]


def _grant(actor, user, role):
    kw = {}
    if role == Role.APPLICANT:
        kw["organisation"] = factories.organisation()
    if role == Role.DEPARTMENT:
        kw["department"] = factories.department()
    return people.grant_role(actor=actor, user=user, role=role, **kw)


def _counts():
    return RoleGrant.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize("admin_role", ADMINS)
@pytest.mark.parametrize("other", Role.values)
def test_an_administrator_cannot_be_granted_any_other_role(db, secadmin, admin_role, other):
    user = factories.user(admin_role)
    if other in ADMIN_ROLES:  # an administrator role (the same one included) is never added to a held role
        expected = f"三员分立：系统管理员、安全管理员、审计管理员不得兼任其他角色（该用户已有：{Role(admin_role).label}）。"
    else:
        expected = f"三员分立：该用户是{Role(admin_role).label}，不得再授予其他角色。"
    before = _counts()
    with pytest.raises(ServiceError) as exc:
        _grant(secadmin, user, other)
    assert str(exc.value.message) == expected
    assert RoleGrant.objects.filter(user=user, revoked_at__isnull=True).count() == 1
    assert _counts()[0] == before[0]


@pytest.mark.parametrize("admin_role", ADMINS)
@pytest.mark.parametrize("held", BUSINESS + ADMINS)
def test_an_administrator_role_cannot_go_to_someone_holding_a_role(db, secadmin, admin_role, held):
    user = factories.user(held)
    if held == admin_role:
        return  # same role twice: covered above
    before = _counts()
    with pytest.raises(ServiceError) as exc:
        _grant(secadmin, user, admin_role)
    assert exc.value.code == "separation_of_duties"
    assert str(exc.value.message) == (
        f"三员分立：系统管理员、安全管理员、审计管理员不得兼任其他角色（该用户已有：{Role(held).label}）。"
    )
    assert _counts() == before


def test_business_roles_may_combine(db, secadmin, office):
    grant = _grant(secadmin, office, Role.FINANCE)
    assert grant.role == Role.FINANCE
    office.forget_grants()
    assert office.roles() == {Role.OFFICE, Role.FINANCE}
    ev = AuditEvent.objects.filter(action="role.granted").last()
    assert ev.actor == secadmin and ev.role == Role.SECADMIN and ev.after["role"] == Role.FINANCE


@pytest.mark.parametrize("actor_role", [r for r in Role.values if r != Role.SECADMIN])
def test_only_the_security_administrator_grants_roles(db, actor_role, make_user):
    actor = make_user(actor_role)
    target = make_user()
    with pytest.raises(NotAllowed):
        people.grant_role(actor=actor, user=target, role=Role.EXPERT)
    assert not RoleGrant.objects.filter(user=target).exists()


def test_scope_errors_name_the_field(db, secadmin, make_user):
    user = make_user()
    cases = [
        ({"role": Role.APPLICANT}, "organisation", "申报单位角色必须指定所属单位。"),
        ({"role": Role.DEPARTMENT}, "department", "职能部门角色必须指定所属部门。"),
        (
            {"role": Role.EXPERT, "organisation": factories.organisation()},
            "organisation",
            "该角色不按单位授权。",
        ),
        ({"role": Role.EXPERT, "department": factories.department()}, "department", "该角色不按部门授权。"),
        ({"role": "boss"}, "role", "角色“boss”无效。"),
    ]
    for kw, field, message in cases:
        with pytest.raises(ServiceError) as exc:
            people.grant_role(actor=secadmin, user=user, **kw)
        assert exc.value.errors == {field: [message]}
    assert not RoleGrant.objects.filter(user=user).exists()


def test_revoke_needs_a_reason_and_is_audited(db, secadmin, expert):
    grant = expert.grants.get()
    with pytest.raises(ServiceError) as exc:
        people.revoke_role(actor=secadmin, grant=grant, reason="  ")
    assert exc.value.errors == {"reason": ["请填写理由。"]}
    grant.refresh_from_db()
    assert grant.revoked_at is None
    people.revoke_role(actor=secadmin, grant=grant, reason="离岗")
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoked_by == secadmin
    ev = AuditEvent.objects.get(action="role.revoked")
    assert ev.reason == "离岗" and ev.before == {"role": Role.EXPERT}
    with pytest.raises(ServiceError, match="该授权已撤销"):
        people.revoke_role(actor=secadmin, grant=grant, reason="again")


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"username": ""}, "username", "请填写账号。"),
        ({"username": "has space"}, "username", "账号只能包含字母、数字和 @ . + - _，最长150位。"),
        ({"username": "x" * 151}, "username", "账号只能包含字母、数字和 @ . + - _，最长150位。"),
        ({"display_name": "名" * 51}, "display_name", "姓名不能超过50个字符。"),
        ({"email": "not-an-email"}, "email", "电子邮箱“not-an-email”格式不正确。"),
    ],
)
def test_create_user_bad_input(db, sysadmin, kw, field, message):
    data = {"username": "newbie", "password": factories.PASSWORD, **kw}
    before = (User.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ServiceError) as exc:
        people.create_user(actor=sysadmin, **data)
    assert exc.value.errors[field] == [message]
    assert (User.objects.count(), AuditEvent.objects.count()) == before


def test_create_user_weak_password_and_duplicate(db, sysadmin):
    with pytest.raises(ServiceError) as exc:
        people.create_user(actor=sysadmin, username="newbie", password="abcdefghij")
    assert exc.value.code == "password_weak"
    assert "密码须包含大写字母、小写字母、数字、符号中的至少三类。" in exc.value.errors["password"]
    people.create_user(actor=sysadmin, username="newbie", password=factories.PASSWORD)
    with pytest.raises(ServiceError) as exc:
        people.create_user(actor=sysadmin, username="NEWBIE", password=factories.PASSWORD)
    assert exc.value.errors == {"username": ["账号已存在。"]}
    assert User.objects.filter(username__iexact="newbie").count() == 1


def test_create_user_only_by_the_system_administrator(db, secadmin):
    with pytest.raises(NotAllowed):
        people.create_user(actor=secadmin, username="x1", password=factories.PASSWORD)
    assert not User.objects.filter(username="x1").exists()


def test_create_department_validation(db, sysadmin):
    with pytest.raises(ServiceError) as exc:
        people.create_department(actor=sysadmin, code="Bad Code", name="", short_name="")
    assert exc.value.errors == {
        "code": ["部门代码只能由小写字母、数字、连字符和下划线组成，最长32位。"],
        "name": ["请填写部门名称。"],
        "short_name": ["请填写部门简称。"],
    }
    people.create_department(actor=sysadmin, code="kjj", name="市科学技术局", short_name="科技局")
    with pytest.raises(ServiceError) as exc:
        people.create_department(actor=sysadmin, code="kjj2", name="市科学技术局", short_name="科技")
    assert exc.value.errors == {"name": ["该部门名称已存在。"]}
    assert Department.objects.count() == 1


class TestChangePassword:
    NEW = "Brand-New-Pass-77!"

    def test_changes_and_clears_the_flag(self, db, make_user):
        user = make_user(Role.OFFICE)
        User.objects.filter(pk=user.pk).update(must_change_password=True)
        user.refresh_from_db()
        people.change_password(user, actor=user, old=factories.PASSWORD, new=self.NEW)
        user.refresh_from_db()
        assert user.check_password(self.NEW) and not user.must_change_password
        ev = AuditEvent.objects.get(action="user.password_changed")
        assert ev.target_id == str(user.pk) and ev.data == {"forced": True}
        assert "password" not in str(ev.after) and self.NEW not in str(ev.data)

    @pytest.mark.parametrize(
        ("old", "new", "field", "message"),
        [
            ("wrong", NEW, "old", "原密码不正确。"),
            (factories.PASSWORD, factories.PASSWORD, "new", "新密码不能与原密码相同。"),
            (factories.PASSWORD, "short1A!", "new", "密码太短，至少需要10个字符。"),
            (factories.PASSWORD, "", "new", "请填写新密码。"),
        ],
    )
    def test_refusals(self, db, make_user, old, new, field, message):
        user = make_user()
        before = AuditEvent.objects.count()
        with pytest.raises(ServiceError) as exc:
            people.change_password(user, actor=user, old=old, new=new)
        assert message in exc.value.errors[field]
        user.refresh_from_db()
        assert user.check_password(factories.PASSWORD)
        assert AuditEvent.objects.count() == before

    def test_nobody_changes_another_persons_password(self, db, make_user, sysadmin):
        user = make_user()
        with pytest.raises(NotAllowed):
            people.change_password(user, actor=sysadmin, old=factories.PASSWORD, new=self.NEW)
        user.refresh_from_db()
        assert user.check_password(factories.PASSWORD)


def test_create_user_with_an_existing_password_hash(db):
    from django.contrib.auth.hashers import make_password

    user = people.create_user(actor=None, username="migrated", password_hash=make_password("Imported-Pass-1"))
    assert user.check_password("Imported-Pass-1")


def test_create_user_refuses_an_unknown_hash_format_and_saves_nothing(db):
    before = User.objects.count()
    with pytest.raises(ServiceError) as exc:
        people.create_user(actor=None, username="migrated", password_hash="plaintext-not-a-hash")
    assert exc.value.code == "password_hash_invalid"
    assert "密码摘要格式无法识别" in str(exc.value)
    assert User.objects.count() == before
