"""形式审查: the office's findings (incl. the duplicate check) and the result rules."""

import pytest

from techfund.applications import services
from techfund.applications.checks import FORMAL_RULES
from techfund.applications.models import Application, FormalCheck
from techfund.calls.models import Call
from techfund.core.errors import NotAllowed, ServiceError
from techfund.core.models import AuditEvent
from tests import factories
from tests.calls.builders import make_application, make_call, nothing_saved


def refused(fn, *args, **kwargs) -> ServiceError:
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        fn(*args, **kwargs)
    return exc.value


def forwarded(call, applicant, st_officer, **kw):
    app = make_application(call, applicant, submit=True, **kw)
    services.prescreen(app, actor=st_officer, decision="recommend")
    services.forward_batch(call, actor=st_officer, department="science_technology", applications=[app])
    return Application.objects.get(pk=app.pk)


def test_a_clean_application_passes(call, applicant, st_officer, office):
    app = forwarded(call, applicant, st_officer)
    row = services.formal_check(app, actor=office)
    assert row.result == "passed" and row.reason == ""
    assert [f["rule"] for f in row.findings] == list(FORMAL_RULES)
    assert all(f["ok"] for f in row.findings)
    assert Application.objects.get(pk=app.pk).state == "formal_passed"
    ev = AuditEvent.objects.get(action="application.formal_passed")
    assert ev.data["findings"] == row.findings


def test_the_office_may_fail_it_with_a_reason(call, applicant, st_officer, office):
    app = forwarded(call, applicant, st_officer)
    exc = refused(services.formal_check, app, actor=office, result="failed")
    assert exc.message == "审查要点均已通过；判定为未通过须说明理由。"
    row = services.formal_check(app, actor=office, result="failed", reason="附件营业执照模糊不清。")
    assert row.result == "failed" and Application.objects.get(pk=app.pk).state == "formal_failed"


def test_duplicates_are_found_and_fail_the_check(fund_year, call, applicant, st_officer, office):
    first = forwarded(call, applicant, st_officer, title="高性能复合材料研制", n=1)
    other_call = make_call(fund_year, office, code="2026-ZD-05")
    dup = forwarded(other_call, applicant, st_officer, title="高性能 复合材料研制！", n=2)
    row = services.formal_check(dup, actor=office)
    duplicate = next(f for f in row.findings if f["rule"] == "duplicate")
    message = f"与本单位同年度的申报“高性能复合材料研制”（{first.number}）名称相同或高度相似，疑似重复申报。"
    assert duplicate == {"rule": "duplicate", "ok": False, "message": message}
    assert row.result == "failed" and row.reason == f"重复申报：{message}"


def test_another_organisation_with_the_same_title_is_no_duplicate(
    call, applicant, other_applicant, st_officer, office
):
    forwarded(call, applicant, st_officer, n=1)
    app = forwarded(call, other_applicant, st_officer, n=2)
    assert services.formal_check(app, actor=office).result == "passed"


def test_passing_is_refused_while_a_finding_fails(call, applicant, st_officer, office, org):
    app = forwarded(call, applicant, st_officer)
    org.credit_status = "blocked"  # put on the 失信 list after submitting
    org.save(update_fields=["credit_status"])
    exc = refused(services.formal_check, app, actor=office, result="passed")
    assert (
        exc.message
        == "审查要点未全部通过，不能判定为通过：不符合本指南的申报条件：单位被列入失信惩戒名单，不得申报。"
    )
    row = services.formal_check(app, actor=office)
    assert (
        row.result == "failed"
        and row.reason == "申报资格：不符合本指南的申报条件：单位被列入失信惩戒名单，不得申报。"
    )


def test_only_forwarded_applications_are_checked(call, applicant, office):
    app = make_application(call, applicant, submit=True)
    exc = refused(services.formal_check, app, actor=office)
    assert exc.message == "当前状态为“已提交，待部门初审”，不能变更为“形式审查通过，待评审”。"


def test_an_unknown_result_is_refused(call, applicant, st_officer, office):
    app = forwarded(call, applicant, st_officer)
    exc = refused(services.formal_check, app, actor=office, result="maybe")
    assert exc.message == "审查结论须为“通过”或“未通过”。"


@pytest.mark.parametrize("who", ["leader", "finance", "auditor"])
def test_only_the_office_checks(call, applicant, st_officer, who, request):
    app = forwarded(call, applicant, st_officer)
    user = request.getfixturevalue(who)
    with nothing_saved(), pytest.raises(NotAllowed):
        services.formal_check(app, actor=user)
    assert not FormalCheck.objects.exists()


def test_a_lead_over_the_limit_fails_the_check(call, applicant, st_officer, office):
    """Limits are checked again at the formal check: here the limit was lowered in the database after a
    second application with the same lead came in (a call is not edited once published)."""
    app = forwarded(call, applicant, st_officer, n=1)
    other = factories.user("applicant", organisation=factories.organisation())
    Call.objects.filter(pk=call.pk).update(per_person_limit=2)
    make_application(call, other, title="同一负责人的另一项目", n=1, submit=True)
    Call.objects.filter(pk=call.pk).update(per_person_limit=1)
    row = services.formal_check(app, actor=office)
    finding = next(f for f in row.findings if f["rule"] == "limit_person")
    assert finding["ok"] is False and finding["message"].endswith(
        "已作为负责人申报 1 项，达到每人限报 1 项。"
    )
    assert row.result == "failed"
