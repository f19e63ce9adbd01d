"""The policy page: who sees it, what it shows, and how many queries it takes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from techfund.core.enums import Role
from techfund.core.home import links_for
from techfund.policy.loader import load_text
from techfund.policy.models import PolicyProfile
from tests import factories
from tests.policy.helpers import counts, mutate, preset_text

pytestmark = pytest.mark.django_db


def get(client, user, url=None):
    client.force_login(user)
    return client.get(url or reverse("policy:active"))


def test_office_sees_the_active_profile(client, rizhao, office):
    response = get(client, office)
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "日照市2026年度政策配置 · 第1版",
        "日政办字〔2020〕66号",
        "市创建国家创新型城市工作领导小组办公室（设在市科技局）",
        "领导小组把方向",
        "海洋经济发展资金",
        "按市委人才工作领导小组规定程序执行",
        "稳定支持（市属科研院所、科普、知识产权）",
        "以赛代评",
        "200,000,000.00元（2亿元）",
        "10%",
        "办公室可调整的默认值",
        # rule tables, readable, with their source marks
        "绩效评价等级",
        "优：90分及以上",
        "良：80分（含）至90分",
        "差：60分以下",
        "决策 15 · 过程 20 · 产出 35 · 效益 30",
        "500万元及以下部分：30%",
        "1000万元以上部分：20%",
        "纯理论基础研究项目比例上限",
        "60%",
        "[S]",
        "[I]",
        "[S/R]",
        "30天",
        "5个工作日",
        "国办发〔2021〕32号",
    ):
        assert text in page, text


def test_taian_page(client, taian, office):
    page = get(client, office).content.decode()
    assert "泰安市2026年度政策配置" in page
    assert "未规定" in page and "未设" in page  # no minimum scale, no equity pilot
    assert "rule-competition" not in page


@pytest.mark.parametrize(
    "role", [Role.FINANCE, Role.LEADING_GROUP, Role.AUDITOR, Role.DEPARTMENT, Role.SYSADMIN]
)
def test_readers(client, rizhao, role):
    assert get(client, factories.user(role)).status_code == 200


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EXPERT, Role.SECADMIN, None])
def test_others_get_404(client, rizhao, role):
    user = factories.user(role)
    assert get(client, user).status_code == 404
    assert get(client, user, reverse("policy:detail", args=[rizhao.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, rizhao):
    response = client.get(reverse("policy:active"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_versions_and_detail(client, rizhao, office):
    text, _ = mutate(preset_text(), "    working_days: 5\n", "    working_days: 6\n")
    v2 = load_text(text, actor=office, source_name="rizhao-v2.yaml")
    page = get(client, office).content.decode()
    assert "第2版" in page and "rizhao-v2.yaml" in page and "preset:rizhao" in page
    old = get(client, office, reverse("policy:detail", args=[rizhao.pk]))
    assert old.status_code == 200
    assert "第1版" in old.content.decode() and "已停用" in old.content.decode()
    assert get(client, office, reverse("policy:detail", args=[v2.pk + 100])).status_code == 404
    assert get(client, office, reverse("policy:active") + "?year=2026").context["profile"] == v2


def test_no_profile_yet(client, office):
    response = get(client, office)
    assert response.status_code == 200
    assert "尚未载入政策配置" in response.content.decode()


def test_query_count_does_not_grow_with_versions(client, rizhao, office):
    client.force_login(office)
    url = reverse("policy:active")
    client.get(url)  # warm up (session, grants)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    text = preset_text()
    for n in (6, 7):
        load_text(mutate(text, "    working_days: 5\n", f"    working_days: {n}\n")[0], actor=None)
    with CaptureQueriesContext(connection) as three:
        assert client.get(url).status_code == 200
    assert len(one) == len(three) <= 15


def test_navigation_link_for_readers(office, finance, applicant):
    assert ("policy:active", "政策配置") in [(name, str(label)) for name, label in links_for(office)]
    assert "policy:active" in [name for name, _ in links_for(finance)]
    assert "policy:active" not in [name for name, _ in links_for(applicant)]


def upload(client, user, text, name="rizhao-2026.yaml", **data):
    if user is not None:
        client.force_login(user)
    return client.post(
        reverse("policy:load"), {"file": SimpleUploadedFile(name, text.encode("utf-8")), **data}
    )


def test_office_downloads_edits_and_loads_a_new_version(client, rizhao, office):
    download = get(client, office, reverse("policy:source", args=[rizhao.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="rizhao-2026-v1.yaml"'
    assert download.content.decode() == preset_text()
    edited = download.content.decode().replace("    working_days: 5\n", "    working_days: 7\n")
    response = upload(client, office, edited)
    v2 = PolicyProfile.objects.get(version=2)
    assert response.status_code == 302 and response["Location"] == reverse("policy:detail", args=[v2.pk])
    assert (v2.is_active, v2.loaded_by, v2.source_name) == (True, office, "rizhao-2026.yaml")
    assert v2.rule("publicity.working_days") == 7
    # the same file again changes nothing
    assert upload(client, office, edited).status_code == 302
    assert PolicyProfile.objects.count() == 2


def test_upload_of_a_bad_file_lists_every_error(client, rizhao, office):
    text, line = mutate(preset_text(), "    level: central", "    level: national")
    client.force_login(office)  # (signing in may write an audit event of its own)
    before = counts()
    response = upload(client, None, text)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"第{line}行 source_types[9].level：“national”不是可选值" in page
    assert counts() == before


def test_upload_for_another_year(client, rizhao, office):
    assert upload(client, office, preset_text("taian"), name="taian.yaml", year="2027").status_code == 302
    assert PolicyProfile.objects.get(year=2027).code == "taian"
    rizhao.refresh_from_db()
    assert rizhao.is_active


def test_only_loaders_may_upload(client, rizhao, finance, applicant):
    assert (
        get(client, finance, reverse("policy:load")).status_code == 403
    )  # reads the profile, may not load it
    assert upload(client, finance, preset_text("taian")).status_code == 403
    assert get(client, applicant, reverse("policy:load")).status_code == 404
    assert get(client, applicant, reverse("policy:source", args=[rizhao.pk])).status_code == 404
    assert PolicyProfile.objects.count() == 1
