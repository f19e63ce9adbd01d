"""现场考核: selection by assigning visiting experts, the record (experts, findings, conclusion),
attachments (kind, SHA-256, size limits, duplicates), the round's guards and results."""

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent
from techfund.review import services
from techfund.review.models import RoundResult, SiteVisit, SiteVisitAttachment
from techfund.review.services import site_visits
from tests.review.conftest import make_expert
from tests.review.meetings.conftest import JPG, PDF, PNG, nothing_saved, record_visit, upload


def test_a_visit_with_its_attachments(open_site_round, office, app2, visit_experts):
    v = record_visit(
        open_site_round,
        app2,
        office,
        visit_experts,
        attachments=[upload("现场照片.jpg", JPG), upload("考核表.pdf", PDF), upload("厂区.png", PNG)],
    )
    assert (v.application, v.conclusion, v.recorded_by) == (app2, "support", office)
    assert set(v.experts.all()) == set(visit_experts)
    rows = [(a.name, a.size, a.sha256) for a in v.attachments.order_by("id")]
    assert rows == [
        ("现场照片.jpg", len(JPG), hashlib.sha256(JPG).hexdigest()),
        ("考核表.pdf", len(PDF), hashlib.sha256(PDF).hexdigest()),
        ("厂区.png", len(PNG), hashlib.sha256(PNG).hexdigest()),
    ]
    with v.attachments.get(name="考核表.pdf").file.open("rb") as f:
        assert f.read() == PDF
    ev = AuditEvent.objects.get(action="review.site_visit.recorded")
    assert ev.after["conclusion"] == "support" and len(ev.after["attachments"]) == 3


def test_attachments_are_checked(open_site_round, office, app2, visit_experts, settings):
    def refused(*files):
        with nothing_saved(), pytest.raises(ServiceError) as exc:
            record_visit(open_site_round, app2, office, visit_experts, attachments=list(files))
        return exc.value

    assert refused(upload("空白.pdf", b"")).message == "附件“空白.pdf”是空文件。"
    big = upload("航拍.jpg", JPG)
    big.size = 20 * 1024 * 1024 + 1  # as the upload handler reports it: refused before reading
    assert refused(big).message == "附件“航拍.jpg”大小为 20.0 MB，超过 20 MB 的上限。"
    settings.SITE_VISIT_MAX_ATTACHMENT_BYTES = len(PDF) - 1
    e = refused(upload("考核表.pdf", PDF))
    assert e.code == "attachment_too_large" and e.errors == {"attachments": [e.message]}
    del settings.SITE_VISIT_MAX_ATTACHMENT_BYTES
    text = "附件“说明.pdf”不是有效的 PDF、JPG、PNG 或 DOCX 文件（按文件内容识别，扩展名须与内容一致）。"
    assert refused(upload("说明.pdf", "考核情况说明".encode())).message == text
    assert refused(upload("照片.pdf", JPG)).code == "attachment_type"  # the name must match the content
    assert refused(upload("a.pdf", PDF), upload("b.pdf", PDF)).message == "同一文件上传了多次。"
    assert site_visits.max_attachment_bytes() == 20 * 1024 * 1024


def test_a_docx_is_recognised_by_its_content():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert site_visits.sniff(buf.getvalue()) == "docx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "x")
    assert site_visits.sniff(buf.getvalue()) is None
    assert site_visits.content_type("考核表.DOCX").endswith("wordprocessingml.document")


def test_an_attachment_added_later(open_site_round, office, app2, visit_experts):
    v = record_visit(open_site_round, app2, office, visit_experts, attachments=[upload("考核表.pdf", PDF)])
    att = site_visits.add_site_visit_attachment(v, actor=office, uploaded_file=upload("签字页.jpg", JPG))
    assert (att.name, att.size, att.sha256) == ("签字页.jpg", len(JPG), hashlib.sha256(JPG).hexdigest())
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        site_visits.add_site_visit_attachment(v, actor=office, uploaded_file=upload("又一份.pdf", PDF))
    assert exc.value.message == "该文件已作为“考核表.pdf”上传过。" and exc.value.errors == {
        "file": [exc.value.message]
    }
    assert AuditEvent.objects.filter(action="review.site_visit.attachment_added").count() == 1


def test_the_visit_record_is_checked(open_site_round, office, app1, app2, visit_experts, insider):
    def refused(application=app2, experts=visit_experts, **kw):
        with nothing_saved(), pytest.raises(ServiceError) as exc:
            record_visit(open_site_round, application, office, experts, **kw)
        return exc.value

    assert refused(experts=visit_experts[:1]).message == "现场考核须由至少 2 名专家进行，现为 1 名。"
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert (
        refused(visited_on=tomorrow).message
        == f"考核日期 {tomorrow.isoformat()} 晚于今天：现场考核完成后才能录入。"
    )
    e = refused(place="", findings=" ", conclusion="ok")
    assert e.errors == {
        "place": ["请填写考核地点。"],
        "findings": ["请填写考核情况。"],
        "conclusion": ["请选择考核结论（建议支持、修改后支持、不建议支持）。"],
    }
    assert (
        refused(application=app1).message
        == f"申报项目 {app1.number} 未列入本轮现场考核安排：请先为它分配考核专家。"
    )
    # the insider works for A-0001's organisation; on A-0002 they are free — but a neighbour is not
    neighbour = make_expert(office, name="李邻", organisation=app2.organisation)
    e = refused(experts=[*visit_experts, neighbour])
    assert (
        e.message
        == f"专家李邻须回避申报项目 {app2.number}：专家李邻的工作单位“{app2.organisation.name}”即申报单位。"
    )
    record_visit(open_site_round, app2, office, [*visit_experts, insider])
    assert refused().code == "visit_exists"


def test_visits_need_a_site_visit_round_under_way(
    site_round, open_meeting_round, office, app2, visit_experts
):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        record_visit(open_meeting_round, app2, office, visit_experts)
    assert exc.value.code == "round_not_site_visit"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        record_visit(site_round, app2, office, visit_experts)
    assert exc.value.message == "“现场考核”尚未开始评审，请先开始评审再录入现场考核。"


def test_the_round_opens_with_a_selection_and_closes_when_every_selected_one_was_visited(
    site_round, office, app2, app3, visit_experts
):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.open_round(site_round, actor=office)
    assert exc.value.code == "round_without_assignments"
    for app in (app2, app3):
        for ex in visit_experts:
            services.assign(site_round, actor=office, application=app, expert=ex)
    services.open_round(site_round, actor=office)
    site_round.refresh_from_db()
    record_visit(site_round, app2, office, visit_experts, conclusion="support_revised")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.close_round(site_round, actor=office)
    assert (
        exc.value.message
        == f"以下申报项目还没有现场考核记录，不能结束本轮评审：{app3.number}（{app3.title}）。"
    )
    record_visit(site_round, app3, office, visit_experts, conclusion="not_support", findings="场地未落实。")
    rows = site_visits.site_visit_results(site_round)
    assert [(r["application"], r["recommendation"], r["votes"], r["reviews"]) for r in rows] == [
        (app2, "support_revised", {}, 2),
        (app3, "not_support", {}, 2),
    ]
    previous = RoundResult.objects.get(round=site_round.previous, application=app3)
    assert rows[1]["score"] == previous.score and rows[1]["basis"] == "site_visit"
    assert rows[1]["reasons"].startswith(
        f"现场考核（{timezone.localdate().isoformat()}，日照市经济开发区厂区）"
    )
    assert "考核结论为“不建议支持”。考核情况：场地未落实。" in rows[1]["reasons"]
    assert all(ex.name not in r["reasons"] for r in rows for ex in visit_experts)
    services.close_round(site_round, actor=office)
    results = RoundResult.objects.filter(round=site_round).order_by("application__number")
    assert [(r.application, r.recommendation, r.basis) for r in results] == [
        (app2, "support_revised", "site_visit"),
        (app3, "not_support", "site_visit"),
    ]
    assert SiteVisit.objects.count() == 2 and SiteVisitAttachment.objects.count() == 0


def test_a_site_visit_assignment_is_not_scored(open_site_round, office):
    """The visiting experts' tasks carry no score: the conclusion is the visit record's."""
    from techfund.review.models import Assignment

    task = Assignment.objects.filter(round=open_site_round).select_related("expert__user").first()
    with pytest.raises(ServiceError) as exc:
        services.submit_score(task, actor=task.expert.user, scores={}, comment="好", recommendation="support")
    assert exc.value.code == "site_visit_not_scored"
    assert "现场考核轮次不打分" in exc.value.message
    task.refresh_from_db()
    assert task.state != "submitted"
