"""Starting an application, saving drafts (shape errors by field, lists replaced), attachments."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from techfund.applications import services
from techfund.applications.models import Application, Attachment
from techfund.calls.validation import fmt_time
from techfund.core.enums import Role
from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from tests import factories
from tests.calls.builders import (
    complete_fields,
    make_application,
    make_call,
    nothing_saved,
    pdf_bytes,
    valid_id,
)


def refused(fn, *args, **kwargs) -> ServiceError:
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        fn(*args, **kwargs)
    return exc.value


# ---------------------------------------------------------------- start


def test_start_application(call, applicant, org):
    app = services.start_application(
        call, actor=applicant, department="science_technology", title=" 高性能复合材料研制 "
    )
    assert app.state == "draft" and app.organisation == org and app.department.code == "science_technology"
    assert app.number == f"{call.code}-0001" and app.title == "高性能复合材料研制"
    assert app.support_mode == "grant"  # the call's only support mode
    ev = AuditEvent.objects.get(action="application.started")
    assert ev.after["organisation"] == org.uscc and ev.role == Role.APPLICANT
    second = services.start_application(call, actor=applicant, department="industry_it", title="第二项")
    assert second.number == f"{call.code}-0002"


def test_the_department_must_have_a_quota_in_the_call(call, applicant):
    exc = refused(services.start_application, call, actor=applicant, department="ocean", title="x")
    assert exc.message == "归口部门须为本指南分配了推荐限额的部门之一：科技、工信。"
    assert exc.errors == {"department": [exc.message]}


def test_without_quotas_any_routing_department_will_do(fund_year, office, applicant):
    call = make_call(fund_year, office, quotas=None)
    app = services.start_application(call, actor=applicant, department="ocean", title="海洋牧场")
    assert app.department.code == "ocean"
    exc = refused(services.start_application, call, actor=applicant, department="finance", title="x")
    assert exc.message == "请从列表中选择归口的职能部门。"


def test_a_title_and_a_department_are_needed(call, applicant):
    exc = refused(services.start_application, call, actor=applicant, department="", title="")
    assert exc.errors == {"department": ["请选择归口的职能部门。"], "title": ["请填写项目名称。"]}


def test_no_start_after_closing(fund_year, office, applicant):
    call = make_call(fund_year, office)
    later = call.closes_at + dt.timedelta(seconds=1)
    exc = refused(
        services.start_application,
        call,
        actor=applicant,
        department="science_technology",
        title="x",
        now=later,
    )
    assert exc.message == f"申报已于 {fmt_time(call.closes_at)} 截止。"


def test_drafts_may_be_started_before_opening(fund_year, office, applicant):
    now = timezone.now()
    call = make_call(
        fund_year, office, opens_at=now + dt.timedelta(days=2), closes_at=now + dt.timedelta(days=9)
    )
    assert (
        services.start_application(call, actor=applicant, department="science_technology", title="x").state
        == "draft"
    )


def test_a_draft_call_is_invisible_to_applicants(fund_year, office, applicant):
    call = make_call(fund_year, office, publish=False)
    with nothing_saved(), pytest.raises(NotVisible):
        services.start_application(call, actor=applicant, department="science_technology", title="x")


def test_only_applicants_start_applications(call, office):
    with nothing_saved(), pytest.raises(NotAllowed):
        services.start_application(call, actor=office, department="science_technology", title="x")


def test_an_applicant_of_several_organisations_says_which(call, org):
    user = factories.user(Role.APPLICANT, organisation=org)
    other = factories.organisation()
    from techfund.core.services import people

    people.grant_role(actor=None, user=user, role=Role.APPLICANT, organisation=other)
    user.forget_grants()
    exc = refused(services.start_application, call, actor=user, department="science_technology", title="x")
    assert exc.message == "您代表多个申报单位，请选择以哪个单位申报。"
    app = services.start_application(
        call, actor=user, department="science_technology", title="x", organisation=other
    )
    assert app.organisation == other
    stranger = factories.organisation()
    with pytest.raises(NotAllowed):
        services.start_application(
            call, actor=user, department="science_technology", title="x", organisation=stranger
        )


# ---------------------------------------------------------------- save_draft


def test_save_draft_stores_everything(call, applicant):
    app = make_application(call, applicant)
    assert app.requested_amount == Decimal("1000000.00") and app.keywords == ["复合材料", "海洋装备"]
    assert app.start_date == dt.date(2027, 1, 1)
    assert [m.role for m in app.team.all()] == ["lead", "member"]
    assert app.team.get(role="lead").id_number == valid_id(1)
    assert sum(b.amount for b in app.budget_lines.all()) == Decimal("1000000.00")
    assert app.targets.count() == 2 and app.milestones.count() == 2
    ev = AuditEvent.objects.filter(action="application.draft_saved").get()
    lead = ev.after["team"][0]
    assert lead["id_number"].startswith("3711") and "*" in lead["id_number"]  # masked in the trail


def test_lists_replace_their_rows_and_others_stay(call, applicant):
    app = make_application(call, applicant)
    services.save_draft(
        app, actor=applicant, milestones=[{"due_date": "2028-06-30", "description": "一次完成"}]
    )
    app.refresh_from_db()
    assert [m.description for m in app.milestones.all()] == ["一次完成"]
    assert app.budget_lines.count() == 4 and app.team.count() == 2


def test_saving_the_same_content_writes_nothing(call, applicant):
    app = make_application(call, applicant)
    with nothing_saved():
        services.save_draft(app, actor=applicant, **complete_fields())


def test_keywords_may_be_typed_as_text(call, applicant):
    app = make_application(call, applicant, complete=False)
    services.save_draft(app, actor=applicant, keywords="新材料，海洋、 装备;新材料")
    app.refresh_from_db()
    assert app.keywords == ["新材料", "海洋", "装备"]


def test_shape_errors_are_refused_by_field(call, applicant):
    app = make_application(call, applicant, complete=False)
    exc = refused(
        services.save_draft,
        app,
        actor=applicant,
        requested_amount="一百万",
        start_date="2027-13-01",
        budget_lines=[
            {"category": "business", "item": "材料", "amount": "100"},
            {"category": "business", "item": "测试", "amount": "1"},
            {"category": "labour", "item": "劳务", "amount": "-3"},
            {"category": "business", "item": "差旅", "amount": "5", "equipment_purchase": True},
        ],
        team=[
            {"name": "张伟", "id_number": "371102198001010011", "role": "lead"},
            {"name": "李娜", "id_number": valid_id(7), "role": "lead"},
        ],
        targets=[{"kind": "output", "name": "专利", "indicator_type": "higher"}],
        milestones=[{"due_date": "", "description": "x"}],
    )
    assert exc.message == "申报书有 8 处需要修改，请按提示修改。"
    assert exc.errors == {
        "requested_amount": ["申请财政资金“一百万”不是有效的金额。"],
        "start_date": ["起始日期“2027-13-01”不是有效的日期（例如 2026-12-31）。"],
        "budget_lines[2].amount": ["金额必须大于零。"],
        "budget_lines[3].equipment_purchase": ["只有设备费可以标记为设备购置。"],
        "team[0].id_number": ["身份证号码“371102198001010011”的校验位不正确。"],
        "team[1].role": ["项目负责人只能有一位。"],
        "targets[0].target_value": ["定量指标请填写目标值。"],
        "milestones[0].due_date": ["请填写完成时间。"],
    }


def test_completeness_is_not_required_for_a_draft(call, applicant):
    app = make_application(call, applicant, complete=False)
    services.save_draft(
        app, actor=applicant, abstract="", budget_lines=[{"category": "business", "item": "x", "amount": "1"}]
    )
    app.refresh_from_db()
    assert app.budget_lines.count() == 1


def test_end_date_follows_start_date(call, applicant):
    app = make_application(call, applicant)
    exc = refused(services.save_draft, app, actor=applicant, end_date="2026-12-31")
    assert exc.message == "完成日期不能早于起始日期。"


def test_the_support_mode_is_one_of_the_calls(call, applicant):
    app = make_application(call, applicant, complete=False)
    exc = refused(services.save_draft, app, actor=applicant, support_mode="equity")
    assert exc.message == "申请支持方式“equity”不在本指南的支持方式之列。"


def test_qualitative_targets_need_a_description(call, applicant):
    app = make_application(call, applicant, complete=False)
    exc = refused(
        services.save_draft,
        app,
        actor=applicant,
        targets=[{"kind": "outcome", "name": "社会影响", "indicator_type": "qualitative"}],
    )
    assert exc.errors == {"targets[0].target_text": ["定性指标请填写目标描述。"]}


def test_only_drafts_and_returned_applications_are_edited(call, applicant):
    app = make_application(call, applicant, submit=True)
    exc = refused(services.save_draft, app, actor=applicant, title="改名")
    assert exc.message == f"只有填报中或退回修改的申报可以修改；“{app.number}”当前为“已提交，待部门初审”。"


def test_another_organisation_cannot_edit(call, applicant, other_applicant):
    app = make_application(call, applicant)
    with nothing_saved(), pytest.raises(NotVisible):
        services.save_draft(app, actor=other_applicant, title="改名")


# ---------------------------------------------------------------- attachments


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_a_pdf_is_attached_with_its_hash(call, applicant):
    import hashlib

    app = make_application(call, applicant, complete=False)
    data = pdf_bytes("可行性报告")
    att = services.add_attachment(
        app, actor=applicant, uploaded_file=upload("可行性报告.pdf", data), kind="可行性报告"
    )
    assert att.name == "可行性报告.pdf" and att.size == len(data)
    assert att.sha256 == hashlib.sha256(data).hexdigest()
    with att.file.open("rb") as fh:
        assert fh.read() == data
    ev = AuditEvent.objects.get(action="application.attachment_added")
    assert ev.data["sha256"] == att.sha256


def test_a_fake_pdf_is_refused_whatever_its_name(call, applicant):
    app = make_application(call, applicant, complete=False)
    exc = refused(
        services.add_attachment,
        app,
        actor=applicant,
        uploaded_file=upload("报告.pdf", b"PK\x03\x04 not a pdf"),
    )
    assert exc.message == "附件“报告.pdf”不是有效的PDF文件：只接受PDF格式的材料。"
    truncated = pdf_bytes()[:-7]  # no %%EOF
    exc = refused(services.add_attachment, app, actor=applicant, uploaded_file=upload("半截.pdf", truncated))
    assert exc.code == "attachment_not_pdf"
    assert not Attachment.objects.exists()


def test_a_pdf_is_recognised_without_the_extension(call, applicant):
    app = make_application(call, applicant, complete=False)
    att = services.add_attachment(app, actor=applicant, uploaded_file=upload("scan", pdf_bytes()))
    assert att.file.name.endswith(".pdf")


def test_the_size_limit_comes_from_settings(call, applicant, settings):
    settings.APPLICATION_MAX_ATTACHMENT_BYTES = 100
    app = make_application(call, applicant, complete=False)
    data = pdf_bytes("x" * 200)
    exc = refused(services.add_attachment, app, actor=applicant, uploaded_file=upload("大.pdf", data))
    assert exc.code == "attachment_too_large"
    assert (
        exc.message
        == f"附件“大.pdf”大小为 {len(data) / 1024 / 1024:.1f} MB，超过 {100 / 1024 / 1024:g} MB 的上限。"
    )


def test_the_same_file_twice_is_refused_and_empty_files_too(call, applicant):
    app = make_application(call, applicant, complete=False)
    services.add_attachment(app, actor=applicant, uploaded_file=upload("a.pdf", pdf_bytes()))
    exc = refused(services.add_attachment, app, actor=applicant, uploaded_file=upload("b.pdf", pdf_bytes()))
    assert exc.message == "该文件已作为“a.pdf”上传过。"
    exc = refused(services.add_attachment, app, actor=applicant, uploaded_file=upload("c.pdf", b""))
    assert exc.message == "附件“c.pdf”是空文件。"


def test_remove_attachment(call, applicant, django_capture_on_commit_callbacks):
    app = make_application(call, applicant, complete=False)
    att = services.add_attachment(app, actor=applicant, uploaded_file=upload("a.pdf", pdf_bytes()))
    storage, path = att.file.storage, att.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_attachment(att, actor=applicant)
    assert not Attachment.objects.exists() and not storage.exists(path)
    assert AuditEvent.objects.get(action="application.attachment_removed").data["name"] == "a.pdf"


def test_attachments_are_frozen_once_submitted(call, applicant):
    app = make_application(call, applicant)
    att = services.add_attachment(app, actor=applicant, uploaded_file=upload("a.pdf", pdf_bytes()))
    services.submit_application(app, actor=applicant)
    refused(services.add_attachment, app, actor=applicant, uploaded_file=upload("b.pdf", pdf_bytes("b")))
    exc = refused(services.remove_attachment, att, actor=applicant)
    assert exc.code == "application_not_editable"
    assert Application.objects.get(pk=app.pk).attachments.count() == 1
