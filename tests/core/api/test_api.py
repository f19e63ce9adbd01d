"""The core REST API: same permissions and scopes as the pages; bad input → 400 {detail, code, errors}."""

import pytest

from techfund.core.enums import Role
from techfund.core.models import AuditEvent, Organisation, RoleGrant, User
from tests import factories


@pytest.fixture
def api(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_anonymous_is_refused(client, db):
    assert client.get("/api/me/").status_code == 403
    assert client.get("/api/organisations/").status_code == 403


def test_me(api, applicant, expert):
    body = api(applicant).get("/api/me/").json()
    org = applicant.active_grants()[0].organisation
    assert body["username"] == applicant.username
    assert body["roles"] == [
        {
            "id": applicant.active_grants()[0].pk,
            "role": "applicant",
            "role_label": "申报单位",
            "organisation": {"id": org.pk, "name": org.name},
            "department": None,
            "granted_at": body["roles"][0]["granted_at"],
        }
    ]


# ---- organisations -------------------------------------------------------------------------


def test_organisations_scope(api, applicant, office, expert):
    own = applicant.active_grants()[0].organisation
    other = factories.organisation()
    body = api(applicant).get("/api/organisations/").json()
    assert [o["id"] for o in body["results"]] == [own.pk]
    assert api(applicant).get(f"/api/organisations/{other.pk}/").status_code == 404
    assert api(applicant).get(f"/api/organisations/{own.pk}/").json()["uscc"] == own.uscc
    assert api(office).get("/api/organisations/").json()["count"] == 2
    assert api(expert).get("/api/organisations/").status_code == 403
    assert api(expert).get(f"/api/organisations/{own.pk}/").status_code == 404


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.OFFICE])
def test_register_organisation(api, make_user, role):
    user = make_user(role)
    data = {
        "uscc": "91330100799655058B",
        "name": "杭州某有限公司",
        "kind": "enterprise",
        "qualifications": ["high_tech"],
    }
    r = post(api(user), "/api/organisations/", data)
    assert r.status_code == 201, r.json()
    assert r.json()["kind_label"] == "企业"
    assert AuditEvent.objects.filter(action="organisation.registered", actor=user).exists()


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.FINANCE, Role.SECADMIN, Role.AUDITOR])
def test_register_organisation_forbidden(api, make_user, role):
    r = post(
        api(make_user(role)),
        "/api/organisations/",
        {"uscc": "91330100799655058B", "name": "x", "kind": "enterprise"},
    )
    assert r.status_code == 403
    assert not Organisation.objects.filter(uscc="91330100799655058B").exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"uscc": "91330100799655058C"}, "uscc", "统一社会信用代码第18位（校验码）应为“B”，实际为“C”。"),
        ({"name": ""}, "name", "请填写单位名称。"),
        ({"kind": "spaceship"}, "kind", "单位类型“spaceship”无效。"),
        ({"qualifications": ["nobel"]}, "qualifications", "资质只能从列表中选择。"),
        ({"contact_phone": "1" * 31}, "contact_phone", "联系电话不能超过30个字符。"),
    ],
)
def test_register_organisation_bad_input(api, sysadmin, data, field, message):
    body = {"uscc": "91330100799655058B", "name": "杭州某有限公司", "kind": "enterprise", **data}
    client = api(sysadmin)
    before = AuditEvent.objects.count()
    r = post(client, "/api/organisations/", body)
    assert r.status_code == 400
    assert r.json()["code"] == "organisation_invalid"
    assert r.json()["detail"] == "单位信息有误，请按提示修改。"
    assert r.json()["errors"][field] == [message]
    assert Organisation.objects.count() == 0 and AuditEvent.objects.count() == before


def test_register_organisation_bad_shape(api, sysadmin):
    r = post(api(sysadmin), "/api/organisations/", {"uscc": "91330100799655058B", "kind": "enterprise"})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and "name" in r.json()["errors"]


# ---- users ---------------------------------------------------------------------------------


def test_users_for_the_system_administrator_only(api, sysadmin, secadmin, office):
    body = api(sysadmin).get("/api/users/").json()
    assert office.username in [u["username"] for u in body["results"]]
    office_row = next(u for u in body["results"] if u["username"] == office.username)
    assert [g["role"] for g in office_row["roles"]] == ["office"]
    for user in (secadmin, office):
        assert api(user).get("/api/users/").status_code == 403
        r = post(api(user), "/api/users/", {"username": "x9", "password": factories.PASSWORD})
        assert r.status_code == 403
    assert not User.objects.filter(username="x9").exists()


def test_create_user(api, sysadmin):
    r = post(
        api(sysadmin),
        "/api/users/",
        {"username": "wang.wu", "password": factories.PASSWORD, "display_name": "王五"},
    )
    assert r.status_code == 201 and r.json()["must_change_password"] is True
    assert "password" not in r.json()
    r = post(api(sysadmin), "/api/users/", {"username": "wang.wu", "password": factories.PASSWORD})
    assert r.status_code == 400 and r.json() == {
        "detail": "账号“wang.wu”已存在。",
        "code": "user_exists",
        "errors": {"username": ["账号已存在。"]},
    }
    r = post(api(sysadmin), "/api/users/", {"username": "zhao.liu", "password": "weak"})
    assert r.status_code == 400 and r.json()["code"] == "password_weak"
    assert "密码太短，至少需要10个字符。" in r.json()["errors"]["password"]
    assert not User.objects.filter(username="zhao.liu").exists()


# ---- role grants ---------------------------------------------------------------------------


def test_role_grants(api, secadmin, make_user):
    user = make_user()
    org = factories.organisation()
    client = api(secadmin)
    r = post(
        client,
        "/api/role-grants/",
        {"user": user.pk, "role": "applicant", "organisation": org.pk, "reason": "入库"},
    )
    assert r.status_code == 201, r.json()
    grant_id = r.json()["id"]
    assert r.json()["organisation"] == {"id": org.pk, "name": org.name}
    assert grant_id in [g["id"] for g in client.get("/api/role-grants/").json()["results"]]
    r = post(client, f"/api/role-grants/{grant_id}/revoke/", {"reason": ""})
    assert r.status_code == 400 and r.json()["errors"] == {"reason": ["请填写理由。"]}
    r = post(client, f"/api/role-grants/{grant_id}/revoke/", {"reason": "调离"})
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert grant_id not in [g["id"] for g in client.get("/api/role-grants/").json()["results"]]
    assert grant_id in [g["id"] for g in client.get("/api/role-grants/?revoked=1").json()["results"]]
    assert post(client, "/api/role-grants/999999/revoke/", {"reason": "x"}).status_code == 404


def test_role_grants_separation_of_duties(api, secadmin, auditadmin):
    before = RoleGrant.objects.count()
    r = post(api(secadmin), "/api/role-grants/", {"user": auditadmin.pk, "role": "auditor"})
    assert r.status_code == 400
    assert r.json()["code"] == "separation_of_duties"
    assert r.json()["detail"] == "三员分立：该用户是审计管理员，不得再授予其他角色。"
    r = post(api(secadmin), "/api/role-grants/", {"user": 999999, "role": "auditor"})
    assert r.status_code == 400 and "user" in r.json()["errors"]
    assert RoleGrant.objects.count() == before


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.AUDITADMIN, Role.OFFICE])
def test_role_grants_forbidden_to_others(api, make_user, role, expert):
    client = api(make_user(role))
    assert client.get("/api/role-grants/").status_code == 403
    assert post(client, "/api/role-grants/", {"user": expert.pk, "role": "finance"}).status_code == 403
    grant = expert.grants.get()
    assert post(client, f"/api/role-grants/{grant.pk}/revoke/", {"reason": "x"}).status_code == 403


# ---- audit events --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.AUDITADMIN])
def test_audit_events(api, make_user, role, office):
    client = api(make_user(role))
    body = client.get("/api/audit-events/", {"action": "role.granted"}).json()
    assert body["count"] >= 1 and {e["action"] for e in body["results"]} == {"role.granted"}
    first = body["results"][0]
    assert first["action_label"] == "授予角色" and len(first["hash"]) == 64
    seqs = [e["seq"] for e in client.get("/api/audit-events/").json()["results"]]
    assert seqs == sorted(seqs)
    r = client.get("/api/audit-events/", {"start": "not a date"})
    assert r.status_code == 400 and r.json()["code"] == "filter_invalid" and "start" in r.json()["errors"]
    r = client.get("/api/audit-events/verify/")
    assert r.status_code == 200 and r.json()["ok"] is True and r.json()["first_bad_seq"] is None


@pytest.mark.parametrize("role", [Role.OFFICE, Role.SYSADMIN, Role.SECADMIN, Role.FINANCE])
def test_audit_events_forbidden_to_others(api, make_user, role):
    client = api(make_user(role))
    assert client.get("/api/audit-events/").status_code == 403
    assert client.get("/api/audit-events/verify/").status_code == 403
    ev = AuditEvent.objects.first()
    assert client.get(f"/api/audit-events/{ev.pk}/").status_code == 403


def test_schema_lists_the_core_endpoints(client, db):
    r = client.get("/api/schema/", headers={"accept": "application/json"})
    assert r.status_code == 200
    paths = r.json()["paths"] if r["Content-Type"].startswith("application/json") else r.content.decode()
    for p in [
        "/api/me/",
        "/api/organisations/",
        "/api/users/",
        "/api/role-grants/{id}/revoke/",
        "/api/audit-events/verify/",
    ]:
        assert p in paths
