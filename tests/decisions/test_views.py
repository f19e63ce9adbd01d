"""The staff pages: office proposes and submits, the leading group decides, the office publishes,
resolves objections and ends the publicity; refusals show their message and save nothing; scope 404."""

import datetime as dt
from decimal import Decimal

import pytest

from techfund.decisions import services
from techfund.decisions.models import ProposalBatch, ProposalItem, Publicity
from tests.decisions.conftest import (
    END,
    IN_PERIOD_DATE,
    START,
    area,
    nothing_saved,
    reserved,
)

M = Decimal("1000000.00")


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_office_creates_a_batch_and_adds_ranked_candidates(fund_year, app_a, app_b, office, as_user):
    c = as_user(office)
    assert "新建立项建议批次" in text(c.get("/decisions/"))
    r = c.post("/decisions/batches/new/", {"fund_year": fund_year.year, "title": "", "note": ""})
    batch = ProposalBatch.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/decisions/batches/{batch.pk}/"
    page = text(c.get(f"/decisions/batches/{batch.pk}/"))
    # candidates ranked, with score and rank, and the areas' remaining allocation
    assert page.index(app_a.title) < page.index(app_b.title)
    assert "91.20" in page and "10,000,000.00" in page and "可列入的项目" in page
    assert "报领导小组审定</button>" not in page  # nothing to submit yet
    add = f"/decisions/batches/{batch.pk}/add/{app_a.pk}/"
    page = text(c.get(add))
    assert "该领域剩余可安排额度" in page and "4,000,000.00" in page
    with nothing_saved():
        page = text(c.post(add, {"amount": "12000000", "support_mode": "grant"}))
    assert "建议金额 12,000,000.00 元超过该项目申请的财政资金 4,000,000.00 元。" in page
    r = c.post(add, {"amount": "4000000", "support_mode": "grant", "note": "排名第一"})
    assert r.status_code == 302
    item = ProposalItem.objects.get()
    page = text(c.get(f"/decisions/batches/{batch.pk}/"))
    assert "排名第一" in page and "列入立项建议" in page  # the trail
    assert "data-confirm" in page and "报领导小组审定</button>" in page
    # remove and add again, then submit
    assert c.post(f"/decisions/items/{item.pk}/remove/").status_code == 302
    assert not ProposalItem.objects.exists()
    c.post(add, {"amount": "4000000", "support_mode": "grant"})
    r = c.post(f"/decisions/batches/{batch.pk}/submit/", follow=True)
    assert "已报领导小组审定" in text(r)
    assert reserved(fund_year) == 4 * M and area(fund_year) == 6 * M


def test_an_implementing_unit_by_uscc(batch, app_a, office, as_user):
    from tests import factories

    other = factories.organisation(name="联合实施单位有限公司")
    c = as_user(office)
    add = f"/decisions/batches/{batch.pk}/add/{app_a.pk}/"
    with nothing_saved():
        page = text(
            c.post(add, {"amount": "1000", "support_mode": "grant", "implementing_organisation": "X"})
        )
    assert "未找到实施主体“X”。" in page
    c.post(add, {"amount": "1000", "support_mode": "grant", "implementing_organisation": other.uscc})
    assert ProposalItem.objects.get().implementing_organisation == other


def test_leading_group_decides_on_the_batch_page(submitted, proposed, leader, office, as_user, fund_year):
    a, b = proposed
    c = as_user(leader)
    page = text(c.get(f"/decisions/batches/{submitted.pk}/"))
    assert "提交审定意见" in page and "可列入的项目" not in page
    with nothing_saved():
        page = text(
            c.post(
                f"/decisions/items/{a.pk}/decide/",
                {f"item{a.pk}-decision": "modify", f"item{a.pk}-amount": "5000000", f"item{a.pk}-basis": "x"},
            )
        )
    assert "调整后金额 5,000,000.00 元须小于建议金额 4,000,000.00 元。" in page
    with nothing_saved():
        page = text(c.post(f"/decisions/items/{a.pk}/decide/", {f"item{a.pk}-decision": "approve"}))
    assert "请填写审定依据。" in page
    r = c.post(
        f"/decisions/items/{a.pk}/decide/",
        {f"item{a.pk}-decision": "modify", f"item{a.pk}-amount": "3000000", f"item{a.pk}-basis": "压减"},
    )
    assert r.status_code == 302
    r = c.post(
        f"/decisions/items/{b.pk}/decide/",
        {f"item{b.pk}-decision": "reject", f"item{b.pk}-basis": "不同意"},
        follow=True,
    )
    page = text(r)
    assert "已审定" in page and "压减" in page
    assert area(fund_year) == 7 * M and reserved(fund_year) == 3 * M
    # the office may not decide
    assert as_user(office).post(f"/decisions/items/{a.pk}/decide/", {}).status_code == 403


def test_publish_resolve_and_end_through_the_pages(fund_year, approved, office, as_user):
    a, b = approved
    c = as_user(office)
    page = text(c.get(f"/decisions/publicities/new/?year={fund_year.year}&starts_on=2026-09-29"))
    assert "2026年10月10日" in page and "5 个工作日" in page
    page = text(c.get(f"/decisions/publicities/new/?year={fund_year.year}&starts_on=2027-03-01"))
    assert "2027年的法定节假日和调休安排尚未录入" in page
    with nothing_saved():
        page = text(
            c.post(
                "/decisions/publicities/new/",
                {"year": fund_year.year, "items": [a.pk, b.pk], "starts_on": "2027-03-01"},
            )
        )
    assert "2027年的法定节假日和调休安排尚未录入" in page
    r = c.post(
        "/decisions/publicities/new/",
        {"year": fund_year.year, "items": [a.pk, b.pk], "starts_on": "2026-09-29"},
    )
    p = Publicity.objects.get()
    assert r.status_code == 302 and (p.starts_on, p.ends_on) == (START, END)
    o = services.file_objection(
        p, item=a, name="张三", contact="138", reason="材料不实", today=IN_PERIOD_DATE
    )
    page = text(c.get(f"/decisions/publicities/{p.pk}/"))
    assert "张三" in page and "公示期满办结" in page and "发布立项公示" in page
    r = c.post(f"/decisions/publicities/{p.pk}/end/", follow=True)
    assert "尚有1条异议未处理" in text(r)
    page = text(c.get(f"/decisions/objections/{o.pk}/"))
    assert "138" in page and "异议成立（撤销该项目立项并释放资金）" in page and "data-confirm" in page
    with nothing_saved():
        page = text(c.post(f"/decisions/objections/{o.pk}/", {"outcome": "upheld", "reply": ""}))
    assert "请填写处理意见。" in page
    r = c.post(f"/decisions/objections/{o.pk}/", {"outcome": "upheld", "reply": "属实"}, follow=True)
    assert "异议已处理：异议成立，项目已撤销。" in text(r)
    assert area(fund_year) == 7 * M
    r = c.post(f"/decisions/publicities/{p.pk}/end/", follow=True)
    assert "公示已办结" in text(r)
    assert [i.pk for i in services.final_list(fund_year)] == [b.pk]


def test_item_pages_for_each_role(
    publicity,
    approved,
    app_a,
    office,
    finance,
    auditor,
    leader,
    officer_of,
    applicant_of,
    st_department,
    it_department,
    as_user,
):
    a, b = approved
    for reader in (office, finance, auditor, leader):
        page = text(as_user(reader).get(f"/decisions/items/{a.pk}/"))
        assert a.application.title in page and "公示异议" in page
    own_officer = officer_of(st_department)
    other_officer = officer_of(it_department)
    own_applicant = applicant_of(app_a.organisation)
    from tests import factories

    stranger = applicant_of(factories.organisation())
    page = text(as_user(own_officer).get("/decisions/items/"))
    assert a.application.title in page and b.application.title not in page
    assert as_user(own_officer).get(f"/decisions/items/{a.pk}/").status_code == 200
    assert as_user(other_officer).get(f"/decisions/items/{a.pk}/").status_code == 404
    page = text(as_user(own_applicant).get(f"/decisions/items/{a.pk}/"))
    assert "公示异议" not in page  # objections (personal data) are not shown to applicants
    assert as_user(stranger).get(f"/decisions/items/{a.pk}/").status_code == 404
    assert b.application.title not in text(as_user(stranger).get("/decisions/items/"))
    for url in (
        "/decisions/",
        f"/decisions/batches/{a.batch_id}/",
        "/decisions/publicities/",
        f"/decisions/publicities/{publicity.pk}/",
        "/decisions/objections/",
    ):
        assert as_user(own_applicant).get(url).status_code == 404, url
        assert as_user(own_officer).get(url).status_code == 404, url


def test_experts_see_nothing(publicity, approved, expert, as_user):
    c = as_user(expert)
    for url in (
        "/decisions/",
        "/decisions/items/",
        f"/decisions/items/{approved[0].pk}/",
        "/decisions/publicities/",
    ):
        assert c.get(url).status_code == 404, url


def test_forbidden_actions_answer_403(batch, proposed, leader, finance, as_user):
    a, _b = proposed
    assert as_user(leader).get("/decisions/batches/new/").status_code == 403
    assert as_user(finance).get(f"/decisions/batches/{batch.pk}/add/{a.application_id}/").status_code == 403
    with nothing_saved():
        r = as_user(finance).post(f"/decisions/batches/{batch.pk}/submit/")
    assert r.status_code == 403


def test_the_end_button_refuses_before_the_end(fund_year, approved, office, as_user):
    p = services.publish_publicity(fund_year, actor=office, items=list(approved))
    with nothing_saved():
        r = as_user(office).post(f"/decisions/publicities/{p.pk}/end/", follow=True)
    assert f"公示期至{p.ends_on.year}年{p.ends_on.month}月{p.ends_on.day}日，尚未期满" in text(r)
    assert p.starts_on > dt.date(2026, 1, 1)
