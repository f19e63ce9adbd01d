"""The public publicity pages: no login, no personal data, a CSRF-protected objection form with
Chinese messages and a clear confirmation."""

import datetime as dt

import pytest
from django.test import Client

from techfund.decisions import services
from techfund.decisions.models import Objection
from tests.decisions.conftest import nothing_saved


@pytest.fixture
def open_publicity(fund_year, approved, office):
    """Published today, so it is open and accepting objections (the default start: next working day)."""
    return services.publish_publicity(
        fund_year, actor=office, items=list(approved), title="第一批立项项目公示"
    )


def page(c, url) -> str:
    r = c.get(url)
    assert r.status_code == 200, url
    return r.content.decode()


def test_lists_and_detail_without_login(fund_year, approved, office, client):
    a, b = approved
    open_publicity = services.publish_publicity(
        fund_year, actor=office, items=[a], title="第一批立项项目公示"
    )
    old = services.publish_publicity(fund_year, actor=office, items=[b], starts_on=dt.date(2026, 9, 29))
    services.end_publicity(old, actor=office)
    html = page(client, "/public/publicity/")
    assert "第一批立项项目公示" in html and "正在公示" in html
    assert html.index("已结束的公示") < html.index(old.title) and b.application.title in html
    assert "已立项" in html
    assert a.application.title in html and a.implementing_organisation.name in html
    assert "4,000,000.00" in html and "无偿资助" in html and "重大科技创新专项" in html
    # no personal data: no contact, no USCC, no team, no applicant user names
    assert a.implementing_organisation.uscc not in html
    services.file_objection(open_publicity, item=a, name="张三", contact="13800000000", reason="x")
    html = page(client, f"/public/publicity/{open_publicity.pk}/")
    assert "张三" not in html and "13800000000" not in html
    assert "提出异议" in html


def test_filing_an_objection(open_publicity, approved, client):
    a, _b = approved
    url = f"/public/publicity/{open_publicity.pk}/objection/"
    html = page(client, url + f"?item={a.pk}")
    assert "csrfmiddlewaretoken" in html and "异议人姓名或单位" in html
    with nothing_saved():
        r = client.post(url, {"item": a.pk, "name": "", "contact": "", "reason": ""})
    html = r.content.decode()
    assert r.status_code == 200
    assert "请填写异议人姓名或单位。" in html and "请填写联系方式。" in html and "请填写异议内容。" in html
    with nothing_saved():
        html = client.post(url, {"item": 999999, "name": "a", "contact": "b", "reason": "c"}).content.decode()
    assert "请选择本次公示中的项目。" in html
    with nothing_saved():
        html = client.post(
            url, {"item": a.pk, "name": "a" * 51, "contact": "b", "reason": "c"}
        ).content.decode()
    assert "不能超过50个字符。" in html
    r = client.post(
        url, {"item": a.pk, "name": "张三", "contact": "13800000000", "reason": "申报材料与实际不符"}
    )
    o = Objection.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/public/publicity/{open_publicity.pk}/objection/done/"
    html = page(client, r["Location"])
    assert "您的异议已收到。" in html and f"受理编号：{o.pk}" in html
    assert (o.name, o.contact, o.item) == ("张三", "13800000000", a)


def test_the_form_is_csrf_protected(open_publicity, approved):
    c = Client(enforce_csrf_checks=True)
    with nothing_saved():
        r = c.post(
            f"/public/publicity/{open_publicity.pk}/objection/",
            {"item": approved[0].pk, "name": "张三", "contact": "1", "reason": "x"},
        )
    assert r.status_code == 403


def test_no_objections_after_the_end(publicity, approved, client):
    """``publicity`` ended on 2026-10-10 (today is later), so the form is closed and a post is refused."""
    assert dt.date.today() > publicity.ends_on  # the fixture's period is in the past
    url = f"/public/publicity/{publicity.pk}/objection/"
    assert "不再受理异议" in page(client, url)
    with nothing_saved():
        html = client.post(
            url, {"item": approved[0].pk, "name": "a", "contact": "b", "reason": "c"}
        ).content.decode()
    assert "本次公示已于 2026年10月10日 结束（或已无公示中的项目），不再受理异议。" in html
    assert "不再受理异议" in page(client, f"/public/publicity/{publicity.pk}/")


def test_done_page_without_filing_goes_back(open_publicity, client):
    r = client.get(f"/public/publicity/{open_publicity.pk}/objection/done/")
    assert r.status_code == 302 and r["Location"] == f"/public/publicity/{open_publicity.pk}/"


def test_unknown_publicity_is_404(client, db):
    assert client.get("/public/publicity/999/").status_code == 404


def test_objections_are_rate_limited_per_address(open_publicity, approved, client, settings):
    """Anyone may object without logging in, but not a flood: the third post in the window is refused
    with 429 and a clear message, and nothing is saved."""
    settings.PUBLIC_POST_RATE = "2/hour"
    a, _b = approved
    url = f"/public/publicity/{open_publicity.pk}/objection/"
    for n in range(2):
        r = client.post(url, {"item": a.pk, "name": f"张{n}", "contact": "138", "reason": "材料不实"})
        assert r.status_code == 302
    with nothing_saved():
        r = client.post(url, {"item": a.pk, "name": "张三", "contact": "138", "reason": "材料不实"})
    assert r.status_code == 429 and "提交过于频繁，请稍后再试。" in r.content.decode()
    other = client.post(
        url, {"item": a.pk, "name": "李四", "contact": "139", "reason": "材料不实"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302  # another address has its own allowance
