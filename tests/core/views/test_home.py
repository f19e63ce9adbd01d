"""The home page: one section per role held, its pending work (or 暂无待办事项) and its links."""

import pytest

from techfund.core import home
from techfund.core.enums import Role
from techfund.core.services import people


def test_one_section_per_role_with_links(client, login, db, secadmin, make_user):
    user = make_user(Role.OFFICE)
    people.grant_role(actor=secadmin, user=user, role=Role.AUDITOR)
    r = login(user).get("/")
    html = r.content.decode()
    assert [s["role"] for s in r.context["sections"]] == [Role.OFFICE, Role.AUDITOR]
    assert 'id="role-office"' in html and 'id="role-auditor"' in html
    auditor = next(s for s in r.context["sections"] if s["role"] == Role.AUDITOR)
    assert ("/audit/", "留痕审计") in [(href, str(label)) for href, label in auditor["links"]]
    assert 'href="/audit/"' in html


def test_empty_pending_says_so(client, login, expert):
    html = login(expert).get("/").content.decode()
    assert "暂无待办事项" in html
    assert "评审专家" in html  # the role's label, not its code


def test_pending_items_are_listed(client, login, finance, monkeypatch):
    def provider(user):
        yield home.Pending(title="审核拨付申请 A", url="/x/1/", kind="待审核")

    monkeypatch.setitem(home._PROVIDERS, Role.FINANCE, [*home._PROVIDERS.get(Role.FINANCE, []), provider])
    html = login(finance).get("/").content.decode()
    assert "审核拨付申请 A" in html and 'href="/x/1/"' in html and "待审核" in html


def test_applicant_section_names_the_organisation(client, login, applicant):
    org = applicant.active_grants()[0].organisation
    html = login(applicant).get("/").content.decode()
    assert org.name in html


def test_user_without_roles(client, login, make_user):
    html = login(make_user()).get("/").content.decode()
    assert "您的账号尚未被授予任何角色" in html


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        (Role.SYSADMIN, ["/accounts/", "/organisations/", "/departments/"], ["/grants/", "/audit/"]),
        (Role.SECADMIN, ["/grants/"], ["/accounts/", "/audit/", "/organisations/"]),
        (Role.AUDITADMIN, ["/audit/"], ["/accounts/", "/grants/", "/organisations/"]),
    ],
)
def test_navigation_shows_only_the_roles_pages(client, login, make_user, role, visible, hidden):
    html = login(make_user(role)).get("/").content.decode()
    nav = html[html.index('class="mainnav"') : html.index("</nav>")]
    for href in visible:
        assert f'href="{href}"' in nav
    for href in hidden:
        assert f'href="{href}"' not in nav


def test_a_link_to_a_page_not_yet_mounted_is_left_out(client, login, office, monkeypatch, caplog):
    monkeypatch.setattr(home, "_LINKS", [*home._LINKS, (Role.OFFICE, "nowhere:list", "未上线的页面")])
    r = login(office).get("/")
    assert r.status_code == 200 and "未上线的页面" not in r.content.decode()
    assert "nowhere:list" in caplog.text
