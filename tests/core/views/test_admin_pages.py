"""三员分立 administration pages: each only for its role (403 otherwise, 404 out of scope);
bad input shows the service's specific message beside its field and saves nothing."""

import pytest
from django.urls import reverse

from techfund.core.enums import Role
from techfund.core.models import AuditEvent, Department, Organisation, RoleGrant, User
from tests import factories

ALL_ROLES = list(Role.values)


def _status_for(client, user, url):
    client.force_login(user)
    return client.get(url).status_code


PAGE_ROLES = {
    "user_list": {Role.SYSADMIN},
    "user_create": {Role.SYSADMIN},
    "department_list": {Role.SYSADMIN},
    "department_create": {Role.SYSADMIN},
    "organisation_create": {Role.SYSADMIN, Role.OFFICE},
    "organisation_list": {
        Role.SYSADMIN,
        Role.OFFICE,
        Role.LEADING_GROUP,
        Role.FINANCE,
        Role.AUDITOR,
        Role.DEPARTMENT,
        Role.APPLICANT,
    },
    "grant_list": {Role.SECADMIN},
    "grant_create": {Role.SECADMIN},
    "audit_list": {Role.AUDITOR, Role.AUDITADMIN},
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_each_page_only_for_its_roles(client, make_user, role):
    user = make_user(role)
    client.force_login(user)
    for name, allowed in PAGE_ROLES.items():
        status = client.get(reverse(name)).status_code
        assert status == (200 if role in allowed else 403), (name, role, status)


def test_pages_redirect_anonymous_to_login(client, db):
    for name in PAGE_ROLES:
        r = client.get(reverse(name))
        assert r.status_code == 302 and r.url.startswith("/login/"), name


def test_403_page_is_chinese(client, login, expert):
    r = login(expert).get(reverse("user_list"))
    assert r.status_code == 403 and "无权访问" in r.content.decode()


# ---- organisations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.SYSADMIN, Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT]
)
def test_government_roles_see_every_organisation(client, make_user, role):
    org = factories.organisation()
    assert _status_for(client, make_user(role), reverse("organisation_detail", args=[org.pk])) == 200


@pytest.mark.parametrize("role", [Role.EXPERT, Role.SECADMIN, Role.AUDITADMIN])
def test_others_see_no_organisation(client, make_user, role):
    org = factories.organisation()
    assert _status_for(client, make_user(role), reverse("organisation_detail", args=[org.pk])) == 404


def test_applicant_sees_only_its_own_organisation(client, login, applicant):
    own = applicant.active_grants()[0].organisation
    other = factories.organisation(name="竞争对手有限公司")
    login(applicant)
    r = client.get(reverse("organisation_detail", args=[own.pk]))
    assert r.status_code == 200 and own.uscc in r.content.decode()
    r = client.get(reverse("organisation_detail", args=[other.pk]))
    assert r.status_code == 404 and "不在您的查看范围内" in r.content.decode()
    html = client.get(reverse("organisation_list")).content.decode()
    assert own.name in html and "竞争对手有限公司" not in html


def test_organisation_detail_shows_its_trail(client, login, sysadmin):
    org = factories.organisation()
    html = login(sysadmin).get(reverse("organisation_detail", args=[org.pk])).content.decode()
    assert "操作记录（全程留痕）" in html and "登记单位" in html


def test_register_organisation(client, login, sysadmin):
    login(sysadmin)
    data = {
        "uscc": "9144030071526726XG",
        "name": "深圳某科技有限公司",
        "kind": "enterprise",
        "credit_status": "good",
    }
    data["qualifications"] = ["high_tech", "tech_sme"]
    r = client.post(reverse("organisation_create"), data)
    org = Organisation.objects.get(uscc="9144030071526726XG")
    assert r.status_code == 302 and r.url == reverse("organisation_detail", args=[org.pk])
    assert org.qualifications == ["high_tech", "tech_sme"]
    ev = AuditEvent.objects.get(action="organisation.registered", target_id=str(org.pk))
    assert ev.actor == sysadmin


@pytest.mark.parametrize(
    ("uscc", "message"),
    [
        ("9144030071526726XA", "统一社会信用代码第18位（校验码）应为“G”，实际为“A”。"),
        ("9144030071526726YG", "统一社会信用代码第17位（组织机构代码校验码）应为“X”，实际为“Y”。"),
        ("9144O30071526726XG", "统一社会信用代码第5位“O”不是允许的字符（不使用I、O、Z、S、V）。"),
        ("91440300", "统一社会信用代码应为18位，实际为8位。"),
        ("", "请填写统一社会信用代码。"),
    ],
)
def test_register_organisation_uscc_error_beside_the_field(client, login, sysadmin, uscc, message):
    login(sysadmin)
    before = (Organisation.objects.count(), AuditEvent.objects.count())
    r = client.post(reverse("organisation_create"), {"uscc": uscc, "name": "某公司", "kind": "enterprise"})
    assert r.status_code == 200
    assert r.context["form"].errors["uscc"] == [message]
    html = r.content.decode()
    field = html[html.index('for="id_uscc"') :]
    field = field[: field.index("</div>")]
    assert message in field  # shown beside the field
    assert (Organisation.objects.count(), AuditEvent.objects.count()) == before


def test_register_organisation_duplicate_and_bad_choice(client, login, office):
    org = factories.organisation()
    login(office)
    r = client.post(reverse("organisation_create"), {"uscc": org.uscc, "name": "重复", "kind": "enterprise"})
    assert r.context["form"].errors["uscc"] == ["该统一社会信用代码已登记。"]
    assert f"统一社会信用代码 {org.uscc} 已登记。" in r.content.decode()
    r = client.post(
        reverse("organisation_create"), {"uscc": "9144030071526726XG", "name": "x", "kind": "spaceship"}
    )
    assert "kind" in r.context["form"].errors
    assert Organisation.objects.count() == 1


# ---- accounts ------------------------------------------------------------------------------


def test_create_user_page(client, login, sysadmin):
    login(sysadmin)
    data = {
        "username": "zhang.san",
        "display_name": "张三",
        "email": "zs@example.cn",
        "password": factories.PASSWORD,
        "password2": factories.PASSWORD,
        "must_change_password": "on",
    }
    r = client.post(reverse("user_create"), data)
    user = User.objects.get(username="zhang.san")
    assert r.status_code == 302 and r.url == reverse("user_detail", args=[user.pk])
    assert user.must_change_password and user.display_name == "张三" and not user.grants.exists()
    html = client.get(r.url).content.decode()
    assert "张三" in html and "创建账号" in html  # its trail


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ({"username": ""}, "username", "请填写账号。"),
        ({"username": "a b"}, "username", "账号只能包含字母、数字和 @ . + - _，最长150位。"),
        ({"password2": "Different-1!"}, "password2", "两次输入的密码不一致。"),
        ({"password": "short", "password2": "short"}, "password", "密码太短，至少需要10个字符。"),
        ({"email": "bad@"}, "email", "电子邮箱“bad@”格式不正确。"),
    ],
)
def test_create_user_bad_input(client, login, sysadmin, override, field, message):
    login(sysadmin)
    data = {"username": "li.si", "password": factories.PASSWORD, "password2": factories.PASSWORD, **override}
    before = (User.objects.count(), AuditEvent.objects.count())
    r = client.post(reverse("user_create"), data)
    assert r.status_code == 200
    assert message in r.context["form"].errors[field]
    assert message in r.content.decode()
    assert (User.objects.count(), AuditEvent.objects.count()) == before


def test_create_user_duplicate(client, login, sysadmin, office):
    login(sysadmin)
    data = {
        "username": office.username.upper(),
        "password": factories.PASSWORD,
        "password2": factories.PASSWORD,
    }
    r = client.post(reverse("user_create"), data)
    assert r.context["form"].errors["username"] == ["账号已存在。"]
    assert f"账号“{office.username.upper()}”已存在。" in r.content.decode()


def test_user_list_filters_by_role(client, login, sysadmin, office, expert):
    r = login(sysadmin).get(reverse("user_list"), {"role": Role.EXPERT})
    names = [u.username for u in r.context["page"]]
    assert names == [expert.username]


def test_user_detail_404_for_missing_and_403_for_others(client, login, sysadmin, secadmin, office):
    assert login(sysadmin).get(reverse("user_detail", args=[999999])).status_code == 404
    assert login(secadmin).get(reverse("user_detail", args=[office.pk])).status_code == 403


# ---- departments ---------------------------------------------------------------------------


def test_departments(client, login, sysadmin):
    login(sysadmin)
    r = client.post(
        reverse("department_create"),
        {"code": "kjj", "name": "市科学技术局", "short_name": "科技局", "domains": "科技、创新"},
    )
    assert r.status_code == 302
    dept = Department.objects.get(code="kjj")
    assert dept.domains == ["科技", "创新"]
    assert "市科学技术局" in client.get(reverse("department_list")).content.decode()
    r = client.post(reverse("department_create"), {"code": "kjj", "name": "另一个局", "short_name": "另"})
    assert r.context["form"].errors["code"] == ["该部门代码已存在。"]
    r = client.post(reverse("department_create"), {"code": "K J", "name": "x", "short_name": "x"})
    assert r.context["form"].errors["code"] == [
        "部门代码只能由小写字母、数字、连字符和下划线组成，最长32位。"
    ]
    assert Department.objects.count() == 1


# ---- role grants ---------------------------------------------------------------------------


def test_grant_and_revoke(client, login, secadmin, make_user):
    user = make_user()
    org = factories.organisation()
    login(secadmin)
    r = client.get(reverse("grant_create"), {"user": user.pk})
    assert r.status_code == 200 and r.context["form"].initial["user"] == str(user.pk)
    r = client.post(
        reverse("grant_create"), {"user": user.pk, "role": Role.APPLICANT, "organisation": org.pk}
    )
    assert r.status_code == 302
    grant = RoleGrant.objects.get(user=user)
    assert (grant.role, grant.organisation, grant.granted_by) == (Role.APPLICANT, org, secadmin)
    html = client.get(reverse("grant_list")).content.decode()
    assert user.username in html and "申报单位" in html

    page = client.get(reverse("grant_revoke", args=[grant.pk])).content.decode()
    assert "data-confirm=" in page  # confirm before an irreversible submit
    r = client.post(reverse("grant_revoke", args=[grant.pk]), {"reason": ""})
    assert r.context["form"].errors["reason"] == ["撤销授权须说明理由。"]
    grant.refresh_from_db()
    assert grant.revoked_at is None
    r = client.post(reverse("grant_revoke", args=[grant.pk]), {"reason": "调离"})
    assert r.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert AuditEvent.objects.filter(action="role.revoked", reason="调离").exists()
    assert user.username not in client.get(reverse("grant_list")).content.decode()
    assert user.username in client.get(reverse("grant_list"), {"revoked": "1"}).content.decode()


def test_separation_of_duties_message_shown(client, login, secadmin, sysadmin):
    login(secadmin)
    before = (RoleGrant.objects.count(), AuditEvent.objects.count())
    r = client.post(reverse("grant_create"), {"user": sysadmin.pk, "role": Role.AUDITOR})
    assert r.status_code == 200
    assert "三员分立：该用户是系统管理员，不得再授予其他角色。" in r.content.decode()
    assert (RoleGrant.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("role", "scope", "field", "message"),
    [
        (Role.APPLICANT, None, "organisation", "申报单位角色必须指定所属单位。"),
        (Role.DEPARTMENT, None, "department", "职能部门角色必须指定所属部门。"),
        (Role.EXPERT, "organisation", "organisation", "该角色不按单位授权。"),
        ("", None, "role", "请选择角色。"),
        ("boss", None, "role", None),
    ],
)
def test_grant_bad_input(client, login, secadmin, make_user, role, scope, field, message):
    user = make_user()
    login(secadmin)
    data = {"user": user.pk, "role": role}
    if scope == "organisation":
        data["organisation"] = factories.organisation().pk
    before = RoleGrant.objects.count()
    r = client.post(reverse("grant_create"), data)
    assert r.status_code == 200
    assert field in r.context["form"].errors
    if message:
        assert r.context["form"].errors[field] == [message]
        assert message in r.content.decode()
    assert RoleGrant.objects.count() == before


def test_revoke_404_for_missing_grant(client, login, secadmin):
    assert login(secadmin).get(reverse("grant_revoke", args=[999999])).status_code == 404


def test_grant_pages_forbidden_to_the_system_administrator(client, login, sysadmin, expert):
    grant = expert.grants.get()
    login(sysadmin)
    assert client.get(reverse("grant_revoke", args=[grant.pk])).status_code == 403
    assert client.post(reverse("grant_revoke", args=[grant.pk]), {"reason": "x"}).status_code == 403
    grant.refresh_from_db()
    assert grant.revoked_at is None
