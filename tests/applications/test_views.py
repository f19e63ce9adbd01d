"""The applications' web pages: the form with its autosave, submit and withdraw, attachments, the
department's screening page, the office's formal check, and each application's full page."""

from django.core.files.uploadedfile import SimpleUploadedFile

from techfund.applications import services
from techfund.applications.models import Application, Attachment
from tests.calls.builders import make_application, nothing_saved, pdf_bytes, valid_id


def text(response) -> str:
    return response.content.decode()


FORM = {
    "_form": "application",
    "title": "高性能复合材料研制",
    "abstract": "摘要",
    "keywords": "复合材料、海洋装备",
    "support_mode": "grant",
    "requested_amount": "500000",
    "self_raised": "600000",
    "start_date": "2027-01-01",
    "end_date": "2028-12-31",
    "team-0-name": "张伟",
    "team-0-id_number": valid_id(1),
    "team-0-role": "lead",
    "team-1-name": "",
    "team-1-role": "member",
    "budget_lines-0-category": "business",
    "budget_lines-0-item": "材料费",
    "budget_lines-0-amount": "450000",
    "budget_lines-1-category": "business",  # a blank row, ignored
    "budget_lines-2-category": "indirect",
    "budget_lines-2-item": "间接费用",
    "budget_lines-2-amount": "50000",
    "targets-0-kind": "output",
    "targets-0-name": "专利",
    "targets-0-indicator_type": "higher",
    "targets-0-target_value": "2",
    "milestones-0-due_date": "2028-06-30",
    "milestones-0-description": "中试",
}


def test_the_form_saves_and_ignores_blank_rows(client, call, applicant):
    app = make_application(call, applicant, complete=False)
    client.force_login(applicant)
    page = text(client.get(f"/applications/{app.pk}/edit/"))
    assert f'hx-post="/applications/{app.pk}/autosave/"' in page and 'hx-trigger="change delay:800ms"' in page
    assert "budget-total" in page and "tpl-budget_lines" in page
    r = client.post(f"/applications/{app.pk}/edit/", FORM)
    assert r.status_code == 302
    app.refresh_from_db()
    assert [b.item for b in app.budget_lines.order_by("id")] == ["材料费", "间接费用"]
    assert app.team.count() == 1 and app.keywords == ["复合材料", "海洋装备"]
    r = client.post(f"/applications/{app.pk}/edit/", {**FORM, "then": "submit"})
    assert r["Location"] == f"/applications/{app.pk}/submit/"


def test_errors_appear_beside_their_inputs(client, call, applicant):
    app = make_application(call, applicant, complete=False)
    client.force_login(applicant)
    with nothing_saved():
        r = client.post(f"/applications/{app.pk}/edit/", {**FORM, "budget_lines-2-amount": "五万"})
    page = text(r)
    assert r.status_code == 200 and "金额“五万”不是有效的金额。" in page
    # the error sits in the row the applicant typed it in (row index 2, though it is the 2nd line saved)
    row = page[page.index('name="budget_lines-2-amount"') :][:400]
    assert "金额“五万”不是有效的金额。" in row
    assert 'value="五万"' in row


def test_autosave_answers_the_time_or_the_errors(client, call, applicant):
    app = make_application(call, applicant, complete=False)
    client.force_login(applicant)
    r = client.post(f"/applications/{app.pk}/autosave/", FORM, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "已自动保存" in text(r)
    assert Application.objects.get(pk=app.pk).requested_amount == 500000
    with nothing_saved():
        r = client.post(
            f"/applications/{app.pk}/autosave/", {**FORM, "team-0-id_number": "123"}, HTTP_HX_REQUEST="true"
        )
    assert "未能自动保存" in text(r) and "项目团队第1行：证件号码“123”格式不正确。" in text(r)


def test_autosave_of_a_partial_post_keeps_the_rows(client, call, applicant):
    app = make_application(call, applicant)
    client.force_login(applicant)
    client.post(f"/applications/{app.pk}/autosave/", {"title": "新名称"})
    app.refresh_from_db()
    assert app.title == "新名称" and app.budget_lines.count() == 4 and app.team.count() == 2


def test_submit_page_shows_the_checks_then_submits(client, call, applicant):
    app = make_application(call, applicant, requested_amount="999")
    client.force_login(applicant)
    page = text(client.get(f"/applications/{app.pk}/submit/"))
    assert "提交前检查" in page and "预算明细合计 1,000,000.00 元，与申请财政资金 999.00 元不一致。" in page
    with nothing_saved():
        r = client.post(f"/applications/{app.pk}/submit/")
    assert r.status_code == 200 and "alert-error" in text(r)
    services.save_draft(app, actor=applicant, requested_amount="1000000")
    r = client.post(f"/applications/{app.pk}/submit/")
    assert r.status_code == 302 and Application.objects.get(pk=app.pk).state == "submitted"
    assert client.get(f"/applications/{app.pk}/edit/").status_code == 302  # no longer editable


def test_withdraw_page(client, call, applicant):
    app = make_application(call, applicant, submit=True)
    client.force_login(applicant)
    r = client.post(f"/applications/{app.pk}/withdraw/", {"reason": ""})
    assert "撤回申报须说明理由。" in text(r)
    client.post(f"/applications/{app.pk}/withdraw/", {"reason": "另行申报"})
    assert Application.objects.get(pk=app.pk).state == "cancelled"


def test_attachments_on_the_web(client, call, applicant, office):
    app = make_application(call, applicant)
    client.force_login(applicant)
    fake = SimpleUploadedFile("伪装.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    r = client.post(f"/applications/{app.pk}/attachments/", {"file": fake, "kind": "报告"}, follow=True)
    assert "附件“伪装.pdf”不是有效的PDF文件：只接受PDF格式的材料。" in text(r)
    assert not Attachment.objects.exists()
    real = SimpleUploadedFile("可研报告.pdf", pdf_bytes(), content_type="application/pdf")
    r = client.post(f"/applications/{app.pk}/attachments/", {"file": real, "kind": "可行性报告"}, follow=True)
    att = Attachment.objects.get()
    assert "附件“可研报告.pdf”已上传。" in text(r)
    client.force_login(office)
    r = client.get(f"/applications/attachments/{att.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert b"".join(r.streaming_content) == pdf_bytes()
    client.force_login(applicant)
    client.post(f"/applications/{app.pk}/attachments/{att.pk}/remove/")
    assert not Attachment.objects.exists()


def test_an_application_page_shows_everything(client, call, applicant, st_officer, office):
    app = make_application(call, applicant, submit=True)
    services.prescreen(app, actor=st_officer, decision="return", reason="请补充团队简介")
    client.force_login(applicant)
    page = text(client.get(f"/applications/{app.pk}/"))
    for expected in (
        "部门退回修改：",
        "请补充团队简介",
        "张伟",
        "热压成型机",
        "发明专利申请",
        "完成样品试制",
        "部门初审记录",
        "形式审查记录",
        "操作记录（全程留痕）",
        "部门初审：退回修改",
        "180,000.00",
    ):
        assert expected in page, expected
    assert "重新提交" in page


def test_screening_page_and_forward(client, call, applicant, st_officer):
    app = make_application(call, applicant, submit=True)
    client.force_login(st_officer)
    page = text(client.get("/applications/screening/"))
    assert app.number in page and "待初审" in page
    r = client.post(
        f"/applications/{app.pk}/prescreen/",
        {"decision": "return", "reason": "", "next": "/applications/screening/"},
    )
    assert r["Location"] == "/applications/screening/"
    assert Application.objects.get(pk=app.pk).state == "submitted"  # the refusal was shown as a message
    client.post(f"/applications/{app.pk}/prescreen/", {"decision": "recommend"})
    page = text(client.get("/applications/screening/"))
    assert "推荐限额 3 项，已报送 0 项，剩余 3 项。" in page
    r = client.post(
        f"/applications/screening/forward/{call.pk}/",
        {"department": "science_technology", "applications": [app.pk]},
    )
    assert r.status_code == 302
    page = text(client.get("/applications/screening/"))
    assert "第1批" in page and "暂无待报送的申报。" in page


def test_forwarding_for_another_department_is_forbidden(client, call, applicant, st_officer, it_officer):
    app = make_application(call, applicant, submit=True)
    services.prescreen(app, actor=st_officer, decision="recommend")
    client.force_login(it_officer)
    with nothing_saved():
        r = client.post(
            f"/applications/screening/forward/{call.pk}/",
            {"department": "science_technology", "applications": [app.pk]},
        )
    assert r.status_code == 403


def test_formal_queue_shows_findings_and_checks(client, call, applicant, st_officer, office):
    app = make_application(call, applicant, submit=True)
    services.prescreen(app, actor=st_officer, decision="recommend")
    services.forward_batch(call, actor=st_officer, department="science_technology", applications=[app])
    client.force_login(office)
    page = text(client.get("/applications/formal/"))
    assert app.number in page and "间接费用 100,000.00 元，未超过核定上限 180,000.00 元。" in page
    assert "未发现本单位同年度名称相同或高度相似的申报。" in page
    r = client.post(
        f"/applications/{app.pk}/formal-check/", {"result": "passed", "next": "/applications/formal/"}
    )
    assert r["Location"] == "/applications/formal/"
    assert Application.objects.get(pk=app.pk).state == "formal_passed"
    assert "最近的审查结论" in text(client.get("/applications/formal/"))


def test_start_from_the_call_page(client, call, applicant):
    client.force_login(applicant)
    r = client.post(
        f"/applications/start/{call.pk}/",
        {
            "organisation": str(applicant.organisation_ids().pop()),
            "department": "science_technology",
            "title": "新项目",
        },
    )
    app = Application.objects.get()
    assert r["Location"] == f"/applications/{app.pk}/edit/"
    r = client.post(
        f"/applications/start/{call.pk}/",
        {"organisation": str(app.organisation_id), "department": "ocean", "title": "x"},
        follow=True,
    )
    assert "请填写项目名称并选择归口职能部门。" in text(r)  # 海洋发展 is not among the choices


def test_lists(client, call, applicant, office):
    app = make_application(call, applicant, submit=True)
    client.force_login(applicant)
    page = text(client.get("/applications/"))
    assert "我的申报" in page and app.number in page and "张伟" in page
    client.force_login(office)
    page = text(client.get("/applications/?state=submitted"))
    assert app.organisation.name in page
    assert app.number not in text(client.get("/applications/?state=draft"))
