"""The web pages: each form's bad input gives its message and saves nothing; scope gives 404 and a
forbidden action 403."""

from decimal import Decimal

import pytest

from techfund.funds.models import Contribution, Framework, FundYear
from tests.funds.conftest import contribute, nothing_saved


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def text(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- pages


def test_year_list_and_detail_flag_a_small_pool(fund_year, office, as_user):
    contribute(fund_year, office, "st_innovation", "150000000.00")
    c = as_user(office)
    page = text(c.get("/funds/"))
    assert fund_year.name in page and "低于最低规模" in page and "150,000,000.00" in page
    page = text(c.get(f"/funds/{fund_year.year}/"))
    assert "低于政策配置规定的年度最低规模 200,000,000.00 元" in page
    assert "科技创新类资金" in page
    assert "登记资金入池" in page  # the action label in the audit trail (and the button)


def test_year_detail_shows_allocations_frameworks_and_trail(approved, funded, finance, as_user):
    page = text(as_user(finance).get(f"/funds/{funded.year}/"))
    assert "80,000,000.00" in page and "重大科技创新专项" in page
    assert approved.title in page and "已审定" in page
    assert "审定框架配置" in page and "同意。" in page  # the trail: action and reason
    assert "已对平" in page
    assert "低于政策配置" not in page
    assert "登记资金入池</a>" not in page  # finance may not record


def test_an_officer_sees_only_their_departments_contributions(funded, st_officer, as_user):
    page = text(as_user(st_officer).get(f"/funds/{funded.year}/"))
    assert "科技创新类资金" in page
    assert "工业技改资金" not in page


@pytest.mark.parametrize("who", ["applicant", "expert"])
def test_applicants_and_experts_get_404(submitted, funded, who, request, as_user):
    c = as_user(request.getfixturevalue(who))
    contribution = funded.contributions.first()
    for url in (
        "/funds/",
        "/funds/open/",
        f"/funds/{funded.year}/",
        f"/funds/{funded.year}/contributions/new/",
        f"/funds/{funded.year}/frameworks/new/",
        f"/funds/contributions/{contribution.pk}/void/",
        f"/funds/frameworks/{submitted.pk}/",
        f"/funds/frameworks/{submitted.pk}/edit/",
        f"/funds/frameworks/{submitted.pk}/return/",
    ):
        assert c.get(url).status_code == 404, url
    with nothing_saved():
        for url in ("submit", "approve", "return"):
            assert c.post(f"/funds/frameworks/{submitted.pk}/{url}/", {"reason": "x"}).status_code == 404


def test_an_officer_gets_404_for_another_departments_contribution(funded, st_officer, as_user):
    it = funded.contributions.get(source_type__code="technical_renovation")
    assert as_user(st_officer).get(f"/funds/contributions/{it.pk}/void/").status_code == 404


def test_roles_that_see_but_may_not_act_get_403(submitted, funded, leader, office, finance, as_user):
    contribution = funded.contributions.first()
    with nothing_saved():
        c = as_user(leader)
        assert c.get("/funds/open/").status_code == 403
        assert c.get(f"/funds/{funded.year}/contributions/new/").status_code == 403
        assert (
            c.post(f"/funds/{funded.year}/contributions/new/", {"source_type": "st_innovation"}).status_code
            == 403
        )
        assert c.get(f"/funds/contributions/{contribution.pk}/void/").status_code == 403
        assert c.post(f"/funds/{funded.year}/frameworks/new/", {}).status_code == 403
        assert c.post(f"/funds/frameworks/{submitted.pk}/submit/").status_code == 403
        c = as_user(office)
        assert c.post(f"/funds/frameworks/{submitted.pk}/approve/").status_code == 403
        assert c.post(f"/funds/frameworks/{submitted.pk}/return/", {"reason": "x"}).status_code == 403
        c = as_user(finance)
        assert c.get(f"/funds/frameworks/{submitted.pk}/edit/").status_code == 403
        assert c.post(f"/funds/frameworks/{submitted.pk}/approve/").status_code == 403


def test_anonymous_users_are_sent_to_login(fund_year, client):
    r = client.get("/funds/")
    assert r.status_code == 302 and "/login/" in r["Location"]


# ---------------------------------------------------------------- open year


def test_open_year_form(rizhao, office, as_user):
    c = as_user(office)
    with nothing_saved():
        r = c.post("/funds/open/", {"year": "二〇二六"})
        assert r.status_code == 200
        assert "年度必须是 2000 到 2100 之间的整数，收到“二〇二六”。" in text(r)
    r = c.post("/funds/open/", {"year": str(rizhao.year)})
    assert r.status_code == 302 and r["Location"] == f"/funds/{rizhao.year}/"
    with nothing_saved():
        r = c.post("/funds/open/", {"year": str(rizhao.year)})
        assert f"{rizhao.year} 年度资金已设立。" in text(r)


# ---------------------------------------------------------------- contributions


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "金额必须大于零。"),
        ("0", "金额必须大于零。"),
        ("1.234", "金额最多保留两位小数（到分）：1.234。"),
        ("abc", "金额“abc”不是有效的数字。"),
        ("", "请填写金额。"),
    ],
)
def test_contribution_form_bad_amount(fund_year, office, as_user, amount, message):
    c = as_user(office)
    with nothing_saved():
        r = c.post(
            f"/funds/{fund_year.year}/contributions/new/", {"source_type": "st_innovation", "amount": amount}
        )
    assert r.status_code == 200
    assert message in text(r)
    assert 'id="id_amount_errors"' in text(r)  # beside its field


def test_contribution_form_refuses_an_unknown_source(fund_year, office, as_user):
    with nothing_saved():
        r = as_user(office).post(
            f"/funds/{fund_year.year}/contributions/new/", {"source_type": "lottery", "amount": "1.00"}
        )
    assert r.status_code == 200 and "id_source_type_errors" in text(r)


def test_contribution_form_records(fund_year, office, as_user):
    r = as_user(office).post(
        f"/funds/{fund_year.year}/contributions/new/",
        {
            "source_type": "provincial_st",
            "amount": "2,000,000.00".replace(",", ""),
            "document_ref": "鲁财教〔2026〕8号",
        },
        follow=True,
    )
    assert r.status_code == 200 and "已登记" in text(r)
    c = Contribution.objects.get()
    assert (
        c.level == "provincial"
        and c.amount == Decimal("2000000.00")
        and c.document_ref == "鲁财教〔2026〕8号"
    )


def test_void_form(funded, office, as_user):
    contribution = funded.contributions.get(source_type__code="provincial_st")
    c = as_user(office)
    page = text(c.get(f"/funds/contributions/{contribution.pk}/void/"))
    assert "return confirm(this.dataset.confirm)" in page and "确认冲销该笔资金？此操作不可撤回。" in page
    with nothing_saved():
        r = c.post(f"/funds/contributions/{contribution.pk}/void/", {"reason": ""})
        assert r.status_code == 200 and "冲销资金须说明理由。" in text(r)
    r = c.post(f"/funds/contributions/{contribution.pk}/void/", {"reason": "省级资金未到位"})
    assert r.status_code == 302
    contribution.refresh_from_db()
    assert contribution.state == "voided" and contribution.void_reason == "省级资金未到位"


def test_void_form_refuses_allocated_money(approved, funded, office, as_user):
    contribution = funded.contributions.get(source_type__code="st_innovation")
    with nothing_saved():
        r = as_user(office).post(f"/funds/contributions/{contribution.pk}/void/", {"reason": "错报"})
    assert r.status_code == 200 and "已配置到重点领域的资金不能冲销" in text(r)


# ---------------------------------------------------------------- frameworks


def test_framework_form_has_one_input_per_focus_area(funded, office, as_user, rizhao):
    page = text(as_user(office).get(f"/funds/{funded.year}/frameworks/new/"))
    for area in rizhao.focus_areas.all():
        assert f'name="area_{area.code}"' in page
    assert 'name="equity_pilot_share"' in page and 'value="0.1000"' in page


def test_framework_form_over_the_pool(funded, office, as_user):
    with nothing_saved():
        r = as_user(office).post(
            f"/funds/{funded.year}/frameworks/new/",
            {"area_major_projects": "300000000", "equity_pilot_share": "0.1"},
        )
    assert r.status_code == 200
    assert "框架配置合计 300,000,000.00 元，超过资金池未分配余额 250,000,000.00 元。" in text(r)


def test_framework_form_bad_amount_beside_its_area(funded, office, as_user):
    with nothing_saved():
        r = as_user(office).post(
            f"/funds/{funded.year}/frameworks/new/", {"area_key_rd": "12.345", "equity_pilot_share": "0.1"}
        )
    assert r.status_code == 200
    assert "重点研发专项：金额最多保留两位小数（到分）：12.345。" in text(r)
    assert 'id="id_area_key_rd_errors"' in text(r)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请至少为一个重点领域填写配置金额。"),
        ({"area_key_rd": "1", "equity_pilot_share": "5"}, "股权投资试点比例必须在 0 到 1 之间"),
        ({"area_key_rd": "1", "title": "标" * 201}, "确保该变量包含不超过 200 字符"),
    ],
)
def test_framework_form_other_bad_input(funded, office, as_user, data, message):
    with nothing_saved():
        r = as_user(office).post(f"/funds/{funded.year}/frameworks/new/", data)
    assert r.status_code == 200 and message in text(r)


def test_framework_journey_through_the_pages(funded, office, leader, as_user):
    c = as_user(office)
    r = c.post(
        f"/funds/{funded.year}/frameworks/new/",
        {
            "area_major_projects": "80000000",
            "area_key_rd": "50000000.00",
            "equity_pilot_share": "0.15",
            "note": "首批",
        },
    )
    fw = Framework.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/funds/frameworks/{fw.pk}/"
    assert fw.equity_pilot_share == Decimal("0.1500")
    page = text(c.get(f"/funds/frameworks/{fw.pk}/"))
    assert (
        "确认将该框架配置报领导小组审定？报送后不能修改。" in page
        and "return confirm(this.dataset.confirm)" in page
    )

    r = c.post(
        f"/funds/frameworks/{fw.pk}/edit/", {"area_major_projects": "90000000", "equity_pilot_share": "0.15"}
    )
    assert r.status_code == 302
    assert [a.amount for a in fw.allocations.all()] == [Decimal("90000000.00")]
    r = c.post(f"/funds/frameworks/{fw.pk}/submit/", follow=True)
    assert "框架配置已报领导小组审定。" in text(r)
    assert c.get(f"/funds/frameworks/{fw.pk}/edit/", follow=True).redirect_chain  # no longer editable

    c = as_user(leader)
    page = text(c.get(f"/funds/frameworks/{fw.pk}/"))
    assert "确认审定通过？各领域配置将从资金池入账，不可撤回。" in page
    with nothing_saved():
        r = c.post(f"/funds/frameworks/{fw.pk}/return/", {"reason": ""})
        assert r.status_code == 200 and "退回框架配置须说明理由。" in text(r)
    r = c.post(f"/funds/frameworks/{fw.pk}/approve/", {"reason": "同意"}, follow=True)
    assert "框架配置已审定，各领域配置已入账。" in text(r)
    fw.refresh_from_db()
    assert fw.state == "approved" and all(a.entry_id for a in fw.allocations.all())
    with nothing_saved():
        r = c.post(f"/funds/frameworks/{fw.pk}/approve/", follow=True)
    assert "当前状态为“已审定”，不能变更为“已审定”。" in text(r)


def test_return_page(submitted, leader, as_user):
    c = as_user(leader)
    r = c.post(f"/funds/frameworks/{submitted.pk}/return/", {"reason": "比例需调整"})
    assert r.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == "returned" and submitted.decision_reason == "比例需调整"


def test_submit_error_is_shown(draft, funded, office, as_user):
    from techfund.funds import services

    services.void_contribution(
        funded.contributions.get(source_type__code="st_innovation"), actor=office, reason="错报"
    )
    with nothing_saved():
        r = as_user(office).post(f"/funds/frameworks/{draft.pk}/submit/", follow=True)
    assert "超过资金池未分配余额 100,000,000.00 元" in text(r)
    assert Framework.objects.get(pk=draft.pk).state == "draft"


def test_get_on_post_only_actions_is_refused(draft, office, as_user):
    assert as_user(office).get(f"/funds/frameworks/{draft.pk}/submit/").status_code == 405


def test_fund_year_detail_of_an_unknown_year_is_404(fund_year, office, as_user):
    assert as_user(office).get("/funds/1999/").status_code == 404
    assert FundYear.objects.count() == 1
