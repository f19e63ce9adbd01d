"""The applications' REST API: the same services, scopes and refusals as the web pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from techfund.applications import services
from techfund.applications.models import Application, Attachment
from tests.calls.builders import complete_fields, make_application, nothing_saved, pdf_bytes


@pytest.fixture
def api():
    def as_user(user):
        c = APIClient()
        c.force_authenticate(user)
        return c

    return as_user


def test_the_whole_way_through_the_api(call, applicant, st_officer, office, api):
    a = api(applicant)
    r = a.post(
        "/api/applications/",
        {"call": call.pk, "department": "science_technology", "title": "复合材料"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert r.json()["state"] == "draft" and r.json()["number"] == f"{call.code}-0001"
    r = a.patch(f"/api/applications/{pk}/", complete_fields(), format="json")
    assert r.status_code == 200 and len(r.json()["budget_lines"]) == 4
    findings = a.get(f"/api/applications/{pk}/findings/").json()["findings"]
    assert all(f["ok"] for f in findings)
    assert a.post(f"/api/applications/{pk}/submit/").json()["state"] == "submitted"

    o = api(st_officer)
    r = o.post(f"/api/applications/{pk}/prescreen/", {"decision": "recommend"}, format="json")
    assert r.status_code == 200 and r.json()["prescreens"][0]["decision"] == "recommend"
    r = o.post(
        "/api/batches/",
        {"call": call.pk, "department": "science_technology", "applications": [pk]},
        format="json",
    )
    assert r.status_code == 201 and r.json()["number"] == 1 and r.json()["applications"] == [pk]

    r = api(office).post(f"/api/applications/{pk}/formal-check/", {}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "formal_passed"
    assert r.json()["formal_checks"][0]["result"] == "passed"


def test_draft_errors_are_400_by_field(call, applicant, api):
    app = make_application(call, applicant, complete=False)
    with nothing_saved():
        r = api(applicant).patch(
            f"/api/applications/{app.pk}/",
            {
                "budget_lines": [
                    {"category": "business", "item": "x", "amount": "1"},
                    {"category": "toys", "item": "y", "amount": "0"},
                ]
            },
            format="json",
        )
    assert r.status_code == 400
    assert r.json()["errors"] == {
        "budget_lines[1].category": ["预算科目“toys”不在可选范围内。"],
        "budget_lines[1].amount": ["金额必须大于零。"],
    }


def test_submit_refusal_after_closing_is_400(call, applicant, office, api):
    from techfund.calls import services as call_services
    from techfund.calls.validation import fmt_time

    app = make_application(call, applicant)
    call_services.close_call(call, actor=office)
    r = api(applicant).post(f"/api/applications/{app.pk}/submit/")
    assert r.status_code == 400 and r.json() == {
        "detail": f"申报已于 {fmt_time(call.closes_at)} 截止。",
        "code": "call_closed",
    }


def test_indirect_cap_refusal_via_api(call, applicant, api):
    fields = complete_fields()
    fields["budget_lines"][3]["amount"] = "180000.01"
    fields["requested_amount"] = "1080000.01"
    fields["self_raised"] = "1080000.01"
    app = make_application(call, applicant, **fields)
    r = api(applicant).post(f"/api/applications/{app.pk}/submit/")
    assert r.status_code == 400 and r.json()["code"] == "indirect_cost_cap"
    assert (
        r.json()["detail"]
        == "间接费用 180,000.01 元，超过核定上限 180,000.00 元（按直接费用扣除设备购置费后 600,000.00 元分段超额累退核定）。"
    )


def test_attachments_via_api(call, applicant, office, api):
    app = make_application(call, applicant)
    a = api(applicant)
    fake = SimpleUploadedFile("x.pdf", b"GIF89a", content_type="application/pdf")
    with nothing_saved():
        r = a.post(f"/api/applications/{app.pk}/attachments/", {"file": fake}, format="multipart")
    assert r.status_code == 400 and r.json()["code"] == "attachment_not_pdf"
    real = SimpleUploadedFile("报告.pdf", pdf_bytes(), content_type="application/pdf")
    r = a.post(f"/api/applications/{app.pk}/attachments/", {"file": real, "kind": "报告"}, format="multipart")
    assert r.status_code == 201 and r.json()["name"] == "报告.pdf"
    att_id = r.json()["id"]
    assert [x["id"] for x in a.get(f"/api/applications/{app.pk}/attachments/").json()] == [att_id]
    r = api(office).get(f"/api/applications/{app.pk}/attachments/{att_id}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == pdf_bytes()
    assert api(office).delete(f"/api/applications/{app.pk}/attachments/{att_id}/").status_code == 403
    assert a.delete(f"/api/applications/{app.pk}/attachments/{att_id}/").status_code == 204
    assert not Attachment.objects.exists()


def test_return_and_resubmit_via_api(call, applicant, st_officer, api):
    app = make_application(call, applicant, submit=True)
    r = api(st_officer).post(
        f"/api/applications/{app.pk}/prescreen/", {"decision": "return", "reason": ""}, format="json"
    )
    assert r.status_code == 400 and r.json()["detail"] == "退回修改须说明理由，申报单位将据此修改。"
    api(st_officer).post(
        f"/api/applications/{app.pk}/prescreen/", {"decision": "return", "reason": "补充"}, format="json"
    )
    a = api(applicant)
    assert a.get(f"/api/applications/{app.pk}/").json()["return_reason"] == "补充"
    assert a.patch(f"/api/applications/{app.pk}/", {"abstract": "已补充"}, format="json").status_code == 200
    assert a.post(f"/api/applications/{app.pk}/submit/").json()["state"] == "submitted"


def test_batch_quota_via_api(call, applicant, other_applicant, st_officer, api):
    apps = []
    for i, who in enumerate([applicant, applicant, other_applicant, other_applicant], start=1):
        app = make_application(call, who, title=f"项目{i}", n=i, submit=True)
        services.prescreen(app, actor=st_officer, decision="recommend")
        apps.append(app.pk)
    r = api(st_officer).post(
        "/api/batches/",
        {"call": call.pk, "department": "science_technology", "applications": apps},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["detail"] == "市科学技术局在本指南的推荐限额为 3 项，已报送 0 项，本批 4 项将超出限额。"


@pytest.mark.parametrize("who", ["other_applicant", "it_officer", "expert"])
def test_out_of_scope_is_404(call, applicant, who, request, api):
    app = make_application(call, applicant, submit=True)
    c = api(request.getfixturevalue(who))
    assert c.get(f"/api/applications/{app.pk}/").status_code == 404
    assert c.patch(f"/api/applications/{app.pk}/", {"title": "x"}, format="json").status_code == 404
    assert (
        c.post(f"/api/applications/{app.pk}/prescreen/", {"decision": "recommend"}, format="json").status_code
        == 404
    )
    assert Application.objects.get(pk=app.pk).title != "x"


def test_wrong_role_is_403(call, applicant, st_officer, office, api):
    app = make_application(call, applicant, submit=True)
    assert (
        api(office)
        .post(f"/api/applications/{app.pk}/prescreen/", {"decision": "recommend"}, format="json")
        .status_code
        == 403
    )
    assert (
        api(st_officer).patch(f"/api/applications/{app.pk}/", {"title": "x"}, format="json").status_code
        == 403
    )
    assert (
        api(applicant).post(f"/api/applications/{app.pk}/formal-check/", {}, format="json").status_code == 403
    )


def test_list_filters(call, applicant, office, api):
    draft = make_application(call, applicant, title="草稿", n=3)
    sub = make_application(call, applicant, submit=True)
    rows = api(office).get("/api/applications/?state=submitted").json()["results"]
    assert [r["id"] for r in rows] == [sub.pk] and rows[0]["lead"] == "张伟"
    assert {r["id"] for r in api(applicant).get(f"/api/applications/?call={call.pk}").json()["results"]} == {
        draft.pk,
        sub.pk,
    }
