"""The calls' web pages: the public page (no login), the office's pages, the applicant's list."""

import datetime as dt

import pytest
from django.utils import timezone

from techfund.calls import services
from techfund.calls.models import Call
from tests.calls.builders import call_kwargs, make_call, nothing_saved


def text(response) -> str:
    return response.content.decode()


def test_the_public_page_needs_no_login(client, call, fund_year, office):
    draft = make_call(fund_year, office, publish=False, code="2026-ZD-DRAFT", title="尚未发布的指南")
    r = client.get("/public/calls/")
    assert r.status_code == 200
    page = text(r)
    assert call.title in page and "正在征集" in page and "2,000,000.00" in page
    assert draft.title not in page
    detail = text(client.get(f"/public/calls/{call.pk}/"))
    assert "每单位限报 2 项" in detail and "不少于申请财政资金的 1 倍" in detail and "在线申报" in detail
    assert client.get(f"/public/calls/{draft.pk}/").status_code == 404


def test_the_public_page_shows_the_challenge_list_and_prize_tiers(client, fund_year, office):
    challenge = make_call(
        fund_year,
        office,
        code="2026-JB-01",
        title="海洋装备耐腐蚀材料揭榜挂帅",
        establishment_mode="challenge",
        challenge_targets="耐盐雾 5000 小时以上",
        challenge_funding="8000000",
        challenge_deadline=dt.date(2028, 6, 30),
    )
    contest = make_call(
        fund_year,
        office,
        code="2026-DS-01",
        title="创新创业大赛",
        focus_area="key_rd",
        establishment_mode="competition",
        support_modes=["post_award"],
        prize_tiers=[
            {"rank_from": 1, "rank_to": 1, "amount": "1000000"},
            {"rank_from": 2, "rank_to": 4, "amount": "300000"},
        ],
    )
    page = text(client.get(f"/public/calls/{challenge.pk}/"))
    assert (
        "揭榜挂帅榜单" in page
        and "耐盐雾 5000 小时以上" in page
        and "8,000,000.00" in page
        and "2028-06-30" in page
    )
    page = text(client.get(f"/public/calls/{contest.pk}/"))
    assert (
        "以赛代评 · 奖补档次" in page and "第 1 名" in page and "第 2～4 名" in page and "300,000.00" in page
    )


def test_closed_calls_are_listed_as_past(client, call, office):
    services.close_call(call, actor=office)
    page = text(client.get("/public/calls/"))
    assert "目前没有正在征集的申报指南。" in page and "已截止" in page and call.title in page


def test_office_creates_edits_and_publishes(client, fund_year, office):
    client.force_login(office)
    assert client.get(f"/calls/new/{fund_year.year}/").status_code == 200
    opens = timezone.localtime(timezone.now()).strftime("%Y-%m-%dT%H:%M")
    data = {
        "code": "2026-ZD-10",
        "title": "重大专项",
        "focus_area": "major_projects",
        "establishment_mode": "competitive",
        "support_modes": ["grant"],
        "ceiling": "3000000",
        "co_funding_ratio": "0.5",
        "opens_at": opens,
        "closes_at": "2099-12-31T17:00",
        "per_org_limit": "2",
        "per_person_limit": "1",
        "block_credit_blocked": "on",
        "quota_science_technology": "4",
        "quota_ocean": "-1",
    }
    with nothing_saved():
        r = client.post(f"/calls/new/{fund_year.year}/", data)
    assert r.status_code == 200 and "海洋发展的推荐限额须为不小于 0 的整数。" in text(r)
    data["quota_ocean"] = ""
    r = client.post(f"/calls/new/{fund_year.year}/", data)
    call = Call.objects.get(code="2026-ZD-10")
    assert r.status_code == 302 and r["Location"] == f"/calls/{call.pk}/"
    assert {q.department.code: q.quota for q in call.quotas.all()} == {"science_technology": 4}
    assert call.closes_at.year == 2099 and timezone.localtime(call.closes_at).hour == 17
    page = text(client.get(f"/calls/{call.pk}/"))
    assert "起草申报指南" in page and "发布" in page
    r = client.post(f"/calls/{call.pk}/edit/", {**data, "title": "重大专项（修订）"})
    assert r.status_code == 302
    assert client.post(f"/calls/{call.pk}/publish/").status_code == 302
    call.refresh_from_db()
    assert call.state == "published" and call.title == "重大专项（修订）"
    assert client.get(f"/calls/{call.pk}/edit/").status_code == 302  # no longer editable
    assert client.post(f"/calls/{call.pk}/close/").status_code == 302
    assert Call.objects.get(pk=call.pk).state == "closed"


def test_prize_tiers_are_typed_one_per_line(client, fund_year, office):
    client.force_login(office)
    data = {
        "code": "2026-DS-02",
        "title": "大赛",
        "focus_area": "key_rd",
        "establishment_mode": "competition",
        "support_modes": ["post_award"],
        "ceiling": "1000000",
        "opens_at": "2026-01-01T09:00",
        "closes_at": "2099-01-01T09:00",
        "per_org_limit": "1",
        "per_person_limit": "1",
        "prize_tiers": "1-1：1,000,000\n2-3: 500000",
    }
    assert client.post(f"/calls/new/{fund_year.year}/", data).status_code == 302
    assert Call.objects.get(code="2026-DS-02").prize_tiers == [
        {"rank_from": 1, "rank_to": 1, "amount": "1000000.00"},
        {"rank_from": 2, "rank_to": 3, "amount": "500000.00"},
    ]
    r = client.post(
        f"/calls/new/{fund_year.year}/", {**data, "code": "2026-DS-03", "prize_tiers": "冠军 一百万"}
    )
    assert "第1行“冠军 一百万”格式不正确，应为“名次-名次：金额”。" in text(r)


def test_cancel_page(client, call, office):
    client.force_login(office)
    r = client.post(f"/calls/{call.pk}/cancel/", {"reason": ""})
    assert r.status_code == 200 and "撤销申报指南须说明理由。" in text(r)
    assert client.post(f"/calls/{call.pk}/cancel/", {"reason": "政策调整"}).status_code == 302
    assert Call.objects.get(pk=call.pk).state == "cancelled"


@pytest.mark.parametrize("who", ["leader", "finance", "auditor", "st_officer"])
def test_readers_may_not_write(client, fund_year, call, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/calls/").status_code == 200
    assert client.get(f"/calls/{call.pk}/").status_code == 200
    assert client.get(f"/calls/new/{fund_year.year}/").status_code == 403
    assert client.get(f"/calls/{call.pk}/cancel/").status_code == 403
    with nothing_saved():
        client.post(f"/calls/{call.pk}/close/")
    assert Call.objects.get(pk=call.pk).state == "published"


def test_applicants_see_open_calls_with_their_eligibility(client, fund_year, office, call, applicant):
    make_call(fund_year, office, code="2026-ZD-UNI", title="高校专项", eligible_kinds=["university"])
    draft = make_call(fund_year, office, publish=False, code="2026-ZD-D", title="草稿指南")
    client.force_login(applicant)
    assert client.get("/calls/").status_code == 302  # applicants go to the calls open to them
    page = text(client.get("/calls/available/"))
    assert call.title in page and "高校专项" in page and draft.title not in page
    assert "单位类型“企业”不在本指南的申报范围内（可申报：高等院校）。" in page
    page = text(client.get(f"/calls/{call.pk}/"))
    assert "开始填报申报书" in page and "符合申报条件" in page
    assert client.get(f"/calls/{draft.pk}/").status_code == 404
    assert (
        client.get(f"/calls/new/{fund_year.year}/").status_code == 404
    )  # the fund year is not theirs to see


def test_call_detail_shows_quota_usage_to_staff(client, call, office):
    client.force_login(office)
    page = text(client.get(f"/calls/{call.pk}/"))
    assert "部门推荐限额使用情况" in page and "市科学技术局" in page and "发布申报指南" in page


def test_service_errors_show_on_the_call_form(client, fund_year, office):
    client.force_login(office)
    data = {
        k: v
        for k, v in call_kwargs().items()
        if k not in ("quotas", "opens_at", "closes_at", "support_modes")
    }
    data.update({"opens_at": "2026-05-01T09:00", "closes_at": "2026-04-01T09:00", "support_modes": ["grant"]})
    with nothing_saved():
        r = client.post(f"/calls/new/{fund_year.year}/", data)
    assert "截止申报时间必须晚于开始申报时间。" in text(r)
