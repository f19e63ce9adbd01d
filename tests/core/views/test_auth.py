"""Sign-in, sign-out, lockout (django-axes with the policy's numbers) and the forced password change."""

import pytest
from django.urls import reverse

from techfund.core import security
from techfund.core.models import AuditEvent, User
from tests import factories

LOGIN = "/login/"


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_is_chinese_and_states_the_lockout_rule(client, db):
    r = client.get(LOGIN)
    assert r.status_code == 200
    html = r.content.decode()
    assert "用户登录" in html and 'lang="zh-CN"' in html
    assert f"连续输错密码 {security.DEFAULT_FAILURES} 次，账号将被锁定 5分钟。" in html


def test_anonymous_home_redirects_to_login(client, db):
    r = client.get("/")
    assert r.status_code == 302 and r.url.startswith(reverse("login"))


def test_login_works_and_is_audited(client, office):
    r = post_login(client, office.username, factories.PASSWORD)
    assert r.status_code == 302 and r.url == reverse("home")
    assert client.get("/").status_code == 200
    ev = AuditEvent.objects.filter(action="auth.login").last()
    assert ev.actor == office and ev.target_id == str(office.pk)


def test_wrong_password_message_and_audit(client, office):
    r = post_login(client, office.username, "not-the-password")
    assert r.status_code == 200
    assert "账号或密码不正确。" in r.content.decode()
    ev = AuditEvent.objects.filter(action="auth.login_failed").last()
    assert ev.actor == office and ev.actor_name == office.username
    assert "not-the-password" not in str(ev.data)


def test_failed_login_of_an_unknown_account_names_the_account_tried(client, db):
    post_login(client, "nobody", "whatever")
    ev = AuditEvent.objects.get(action="auth.login_failed")
    assert ev.actor is None and ev.actor_name == "nobody"
    assert (ev.target_type, ev.target_id) == ("loginname", "nobody")


def test_lockout_after_the_default_number_of_failures(client, office):
    limit = security.lockout_failure_limit()
    assert limit == security.DEFAULT_FAILURES  # no policy loaded: the defaults apply
    for _ in range(limit - 1):
        assert post_login(client, office.username, "wrong").status_code == 200
    r = post_login(client, office.username, "wrong")
    assert r.status_code == 429
    html = r.content.decode()
    assert "账号已锁定" in html and "请在 5分钟 后再试" in html
    # now even the right password is refused
    r = post_login(client, office.username, factories.PASSWORD)
    assert r.status_code == 429
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.locked_out", actor=office).exists()


def test_lockout_numbers_follow_the_active_policy(client, office, rizhao):
    from techfund.policy.models import PolicyProfile

    rules = dict(rizhao.rules)
    rules["security"] = {**rules.get("security", {}), "lockout_failures": 3, "lockout_seconds": 900}
    PolicyProfile.objects.filter(pk=rizhao.pk).update(rules=rules)  # as if the office had edited the profile
    assert security.lockout_failure_limit() == 3
    html = client.get(LOGIN).content.decode()
    assert "连续输错密码 3 次，账号将被锁定 15分钟。" in html
    assert post_login(client, office.username, "wrong").status_code == 200
    assert post_login(client, office.username, "wrong").status_code == 200
    r = post_login(client, office.username, "wrong")
    assert r.status_code == 429 and "请在 15分钟 后再试" in r.content.decode()


def test_logout_is_post_only(client, login, office):
    login(office)
    assert client.get("/logout/").status_code == 405
    r = client.post("/logout/")
    assert r.status_code == 302 and r.url == reverse("login")
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor=office).exists()


@pytest.fixture
def newcomer(db, sysadmin):
    from techfund.core.services import people

    user = people.create_user(actor=sysadmin, username="newcomer", password=factories.PASSWORD)
    assert user.must_change_password
    return user


def test_must_change_password_comes_first(client, login, newcomer):
    login(newcomer)
    for path in ["/", "/organisations/", "/audit/"]:
        r = client.get(path)
        assert r.status_code == 302 and r.url == reverse("password_change"), path
    r = client.get("/api/me/")
    assert r.status_code == 403 and r.json()["code"] == "password_change_required"
    r = client.get(reverse("password_change"))
    assert r.status_code == 200 and "请先修改初始密码" in r.content.decode()


def test_change_password_then_free_to_go(client, login, newcomer):
    login(newcomer)
    new = "Another-Pass-99!"
    r = client.post(reverse("password_change"), {"old": factories.PASSWORD, "new": new, "new2": new})
    assert r.status_code == 302 and r.url == reverse("home")
    assert client.get("/").status_code == 200  # still signed in (session hash updated)
    newcomer.refresh_from_db()
    assert newcomer.check_password(new) and not newcomer.must_change_password
    assert AuditEvent.objects.filter(action="user.password_changed", actor=newcomer).exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"old": "wrong", "new": "Another-Pass-99!", "new2": "Another-Pass-99!"}, "old", "原密码不正确。"),
        (
            {"old": factories.PASSWORD, "new": "Another-Pass-99!", "new2": "Other-99!x"},
            "new2",
            "两次输入的新密码不一致。",
        ),
        ({"old": factories.PASSWORD, "new": "abc", "new2": "abc"}, "new", "密码太短，至少需要10个字符。"),
        ({"old": "", "new": "", "new2": ""}, "old", "请填写原密码。"),
    ],
)
def test_change_password_bad_input(client, login, newcomer, data, field, message):
    login(newcomer)
    r = client.post(reverse("password_change"), data)
    assert r.status_code == 200
    assert message in r.context["form"].errors[field]
    assert message in r.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.must_change_password and newcomer.check_password(factories.PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_changed").exists()


def test_language_switch_to_english(client, login, office):
    login(office)
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert r.status_code == 302
    html = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert 'lang="en"' in html
    assert User.objects.filter(pk=office.pk).exists()
