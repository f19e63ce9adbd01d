"""The pages: the office forms a panel, schedules, records a meeting through the vote grid and a
site visit with its files; experts see only their own panels' meetings (never another member's vote);
departments and applicants see none of it (404)."""

import hashlib

import pytest
from django.template.loader import render_to_string

from techfund.core.enums import Role
from techfund.review import services
from techfund.review.models import Meeting, Panel, SiteVisit
from techfund.review.services import meetings
from techfund.review.views_meetings import minutes_context
from tests import factories
from tests.review.meetings.conftest import (
    JPG,
    PDF,
    all_present,
    nothing_saved,
    record_visit,
    upload,
    votes_of,
)


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def text(response) -> str:
    return response.content.decode()


def test_the_office_forms_a_panel(meeting_round, office, seven, as_user):
    c = as_user(office)
    page = text(c.get(f"/review/rounds/{meeting_round.pk}/meetings/"))
    assert "专家组人数：5–7 名，单数（政策配置）" in page and "尚未组建专家组。" in page
    url = f"/review/rounds/{meeting_round.pk}/panels/new/"
    data = {"name": "第一专家组", "members": [e.pk for e in seven[:6]], "chair": seven[0].pk}
    with nothing_saved():
        r = c.post(url, data)
    assert r.status_code == 200 and "专家组人数应为单数（政策配置），现为 6 名。" in text(r)
    data["members"] = [e.pk for e in seven[:5]]
    r = c.post(url, data)
    assert r.status_code == 302 and r["Location"] == f"/review/rounds/{meeting_round.pk}/meetings/"
    page = text(c.get(r["Location"]))
    assert "第一专家组" in page and '委员1 <span class="tag">组长</span>' in page


def test_the_office_schedules_and_records_a_meeting(meeting_round, panel, office, app1, app2, as_user):
    c = as_user(office)
    url = f"/review/panels/{panel.pk}/meetings/new/"
    page = text(c.get(url))
    assert app1.number in page and "评分分歧" in page
    data = {
        "held_at": "2026-06-18T09:30",
        "place": "市科技局会议室",
        "include_disputed": "on",
        "applications": [app2.pk],
    }
    with nothing_saved():
        r = c.post(url, data)
    assert f"请说明安排申报项目 {app2.number} 上会论证的理由。" in text(r)
    data[f"note_{app2.pk}"] = "技术路线存疑"
    r = c.post(url, data)
    m = Meeting.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/review/meetings/{m.pk}/"
    assert [i.application for i in m.agenda.all()] == [app1, app2]
    services.open_round(meeting_round, actor=office)
    page = text(c.get(f"/review/meetings/{m.pk}/"))
    assert "录入会议结果" in page and "技术路线存疑" in page
    record = f"/review/meetings/{m.pk}/record/"
    grid = text(c.get(record))
    assert 'data-confirm="确认录入会议结果？录入后不能修改，如需更正须另行安排会议。"' in grid
    seats = list(panel.members.order_by("id"))
    assert all(f'name="vote_{app1.pk}_{s.expert_id}"' in grid for s in seats)
    form = {"minutes": "专家组对两个项目的合理性和可行性进行了论证。"}
    for s in seats[:2]:  # 2 of 5 present: no quorum
        form[f"present_{s.expert_id}"] = "on"
        form[f"vote_{app1.pk}_{s.expert_id}"] = "support"
        form[f"vote_{app2.pk}_{s.expert_id}"] = "not_support"
    with nothing_saved():
        r = c.post(record, form)
    assert r.status_code == 200 and "会议不足法定人数" in text(r)
    for s in seats[2:4]:
        form[f"present_{s.expert_id}"] = "on"
        form[f"vote_{app1.pk}_{s.expert_id}"] = "support_revised"
        form[f"vote_{app2.pk}_{s.expert_id}"] = "not_support"
        form[f"comment_{app2.pk}_{s.expert_id}"] = "市场需求论证不足"
    form[f"note_{seats[4].expert_id}"] = "出差"
    r = c.post(record, form)
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.state == "held"
    page = text(c.get(f"/review/meetings/{m.pk}/"))
    # a 2–2 tie on A-0001 goes to the more cautious 修改后支持
    assert "票数相同，取较审慎的意见" in page and "市场需求论证不足" in page
    r = c.get(record)
    assert r.status_code == 302  # final: back to the meeting with a message


def test_the_minutes_print_as_a_pdf(open_meeting_round, meeting, office, app1, as_user):
    panel = meeting.panel
    # before the meeting the same document is a blank sign-in and voting sheet (its HTML: cheaper than a PDF)
    html = render_to_string("review/meetings/minutes_pdf.html", minutes_context(meeting))
    assert "项目论证会议签到及表决表" in html and "项目论证会议纪要" not in html
    last = panel.members.order_by("id").last().expert_id
    meetings.record_meeting(
        meeting,
        actor=office,
        attendance={**all_present(panel), last: False},
        minutes="纪要",
        votes=votes_of(panel, app1, ["support", "support", "support", "not_support", None]),
    )
    r = as_user(office).get(f"/review/meetings/{meeting.pk}/minutes.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-") and "filename*=UTF-8''A-" in r["Content-Disposition"]
    meeting.refresh_from_db()
    html = render_to_string("review/meetings/minutes_pdf.html", minutes_context(meeting))
    assert "项目论证会议纪要" in html and "专家组 5 人，出席 4 人。" in html and "缺席" in html
    assert '<td class="num">3</td><td class="num">0</td><td class="num">1</td><td>建议支持</td>' in html


def test_experts_see_only_their_own_panels_meetings_and_never_others_votes(
    open_meeting_round, meeting, office, app1, expert_c, as_user, client
):
    panel = meeting.panel
    seats = list(panel.members.select_related("expert__user").order_by("id"))
    votes = {app1.pk: {s.expert_id: ("support", f"{s.expert.name}的秘密意见") for s in seats}}
    meetings.record_meeting(meeting, actor=office, attendance=all_present(panel), minutes="纪要", votes=votes)
    me = seats[1].expert
    c = as_user(me.user)
    assert str(meeting.held_at.year) in text(c.get("/review/meetings/mine/"))
    page = text(c.get(f"/review/meetings/{meeting.pk}/"))
    assert "我的表决：建议支持" in page and "建议支持 5" in page
    assert "专家表决明细" not in page and not any(f"{s.expert.name}的秘密意见" in page for s in seats)
    assert c.get(f"/review/meetings/{meeting.pk}/applications/{app1.pk}/").status_code == 200
    for url in (
        f"/review/meetings/{meeting.pk}/minutes.pdf",
        f"/review/meetings/{meeting.pk}/record/",
        f"/review/rounds/{open_meeting_round.pk}/meetings/",
    ):
        assert c.get(url).status_code == 404, url
    # an expert not on the panel, a department officer and an applicant: 404 everywhere
    applicant = factories.user(Role.APPLICANT, organisation=app1.organisation)
    for user in (expert_c.user, applicant, factories.user(Role.DEPARTMENT)):
        client.force_login(user)
        for url in (
            f"/review/meetings/{meeting.pk}/",
            f"/review/meetings/{meeting.pk}/applications/{app1.pk}/",
            f"/review/rounds/{open_meeting_round.pk}/meetings/",
        ):
            assert client.get(url).status_code == 404, (user, url)
    client.force_login(expert_c.user)
    assert "暂无论证会议。" in text(client.get("/review/meetings/mine/"))


def test_a_site_visit_through_the_form(open_site_round, office, app2, visit_experts, as_user):
    c = as_user(office)
    page = text(c.get(f"/review/rounds/{open_site_round.pk}/site-visits/"))
    assert app2.number in page and "考核甲" in page
    url = f"/review/rounds/{open_site_round.pk}/site-visits/new/"
    page = text(c.get(f"{url}?application={app2.pk}"))
    assert 'enctype="multipart/form-data"' in page
    data = {
        "application": app2.pk,
        "visited_on": "2026-01-05",
        "place": "日照市经开区",
        "experts": [visit_experts[0].pk],
        "findings": "场地、设备、人员到位。",
        "conclusion": "support",
        "attachments": [upload("照片.jpg", JPG), upload("空.pdf", b"")],
    }
    with nothing_saved():
        r = c.post(url, data)
    page = text(r)
    assert (
        r.status_code == 200
        and "现场考核须由至少 2 名专家进行，现为 1 名。" in page
        and "附件“空.pdf”是空文件。" in page
    )
    data["experts"] = [e.pk for e in visit_experts]
    data["attachments"] = [upload("照片.jpg", JPG), upload("考核表.pdf", PDF)]
    r = c.post(url, data)
    v = SiteVisit.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/review/site-visits/{v.pk}/"
    page = text(c.get(r["Location"]))
    assert hashlib.sha256(PDF).hexdigest() in page and "考核表.pdf" in page
    r = c.post(f"/review/site-visits/{v.pk}/", {"file": upload("签字页.pdf", PDF + b"\n")})
    assert r.status_code == 302 and v.attachments.count() == 3


def test_who_may_download_a_visits_files(
    open_site_round, office, app2, visit_experts, expert_c, finance, auditor, client
):
    v = record_visit(open_site_round, app2, office, visit_experts, attachments=[upload("考核表.pdf", PDF)])
    att = v.attachments.get()
    url = f"/review/site-visit-attachments/{att.pk}/"
    for user, status in (
        (office, 200),
        (auditor, 200),
        (visit_experts[0].user, 200),
        (finance, 404),
        (expert_c.user, 404),
        (factories.user(Role.APPLICANT, organisation=app2.organisation), 404),
    ):
        client.force_login(user)
        r = client.get(url)
        assert r.status_code == status, user
        if status == 200:
            assert b"".join(r.streaming_content) == PDF and r["Content-Type"] == "application/pdf"
    client.force_login(visit_experts[1].user)
    assert client.get(f"/review/site-visits/{v.pk}/").status_code == 200
    assert app2.number in text(client.get("/review/meetings/mine/"))
    client.force_login(expert_c.user)
    assert client.get(f"/review/site-visits/{v.pk}/").status_code == 404


def test_pages_of_another_method_are_not_found(meeting_round, site_round, office, as_user):
    c = as_user(office)
    assert c.get(f"/review/rounds/{site_round.pk}/meetings/").status_code == 404
    assert c.get(f"/review/rounds/{meeting_round.pk}/site-visits/").status_code == 404
    assert c.get(f"/review/rounds/{site_round.pk}/site-visits/").status_code == 200
    assert not Panel.objects.exists()


def test_the_applicant_reads_the_meetings_result_without_a_name(
    open_meeting_round, meeting, office, app1, client
):
    panel = meeting.panel
    meetings.record_meeting(
        meeting,
        actor=office,
        attendance=all_present(panel),
        minutes="纪要",
        votes=votes_of(panel, app1, ["support", "support", "support", "not_support", "support_revised"]),
    )
    services.close_round(open_meeting_round, actor=office)
    client.force_login(factories.user(Role.APPLICANT, organisation=app1.organisation))
    r = client.get(f"/review/applications/{app1.pk}/")
    page = text(r)
    assert r.status_code == 200 and "会议论证（" in page and "建议支持 3 票" in page
    names = [m.expert.name for m in panel.members.select_related("expert")]
    assert not any(name in page for name in names)
    assert client.get(f"/review/meetings/{meeting.pk}/").status_code == 404
