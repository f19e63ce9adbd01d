"""职能部门报项目: pre-screen (recommend / return / reject), the return-and-resubmit loop, batches and quotas."""

import pytest

from techfund.applications import services
from techfund.applications.models import Application, Batch, Prescreen
from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from tests.calls.builders import make_application, nothing_saved


def refused(fn, *args, **kwargs) -> ServiceError:
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        fn(*args, **kwargs)
    return exc.value


@pytest.fixture
def submitted(call, applicant):
    return make_application(call, applicant, submit=True)


def test_recommend(submitted, st_officer):
    row = services.prescreen(submitted, actor=st_officer, decision="recommend")
    assert row.decision == "recommend" and row.reason == ""
    assert Application.objects.get(pk=submitted.pk).state == "recommended"
    assert AuditEvent.objects.filter(action="application.recommended", target_id=str(submitted.pk)).exists()


@pytest.mark.parametrize(
    ("decision", "message"),
    [("return", "退回修改须说明理由，申报单位将据此修改。"), ("reject", "不予推荐须说明理由。")],
)
def test_return_and_reject_need_a_reason(submitted, st_officer, decision, message):
    exc = refused(services.prescreen, submitted, actor=st_officer, decision=decision, reason="  ")
    assert exc.message == message and exc.errors == {"reason": ["请填写理由。"]}


def test_an_unknown_decision_is_refused(submitted, st_officer):
    exc = refused(services.prescreen, submitted, actor=st_officer, decision="maybe")
    assert exc.message == "初审意见须为“推荐”“退回修改”或“不予推荐”。"


def test_reject(submitted, st_officer):
    services.prescreen(submitted, actor=st_officer, decision="reject", reason="不属于本领域")
    app = Application.objects.get(pk=submitted.pk)
    assert app.state == "dept_rejected"
    exc = refused(services.prescreen, app, actor=st_officer, decision="recommend")
    assert exc.message == "当前状态为“部门不予推荐”，不能变更为“部门已推荐，待报送”。"


def test_return_edit_and_resubmit(submitted, st_officer, applicant):
    services.prescreen(submitted, actor=st_officer, decision="return", reason="请补充知识产权情况。")
    app = Application.objects.get(pk=submitted.pk)
    assert app.state == "returned" and app.return_reason == "请补充知识产权情况。"
    services.save_draft(app, actor=applicant, abstract="补充：已授权发明专利2件。")
    app = services.submit_application(app, actor=applicant)
    assert app.state == "submitted" and app.return_reason == ""
    ev = AuditEvent.objects.get(action="application.resubmitted")
    assert ev.data["returned_for"] == "请补充知识产权情况。"
    services.prescreen(app, actor=st_officer, decision="recommend")
    assert list(Prescreen.objects.filter(application=app).values_list("decision", flat=True)) == [
        "return",
        "recommend",
    ]


def test_a_returned_application_may_be_resubmitted_after_closing(
    submitted, st_officer, applicant, office, call
):
    from techfund.calls import services as call_services

    services.prescreen(submitted, actor=st_officer, decision="return", reason="补充材料")
    call_services.close_call(call, actor=office)
    assert services.submit_application(submitted, actor=applicant).state == "submitted"


def test_officers_of_another_department_do_not_see_it(submitted, it_officer):
    with nothing_saved(), pytest.raises(NotVisible):
        services.prescreen(submitted, actor=it_officer, decision="recommend")


def test_the_office_does_not_prescreen(submitted, office):
    with nothing_saved(), pytest.raises(NotAllowed):
        services.prescreen(submitted, actor=office, decision="recommend")


# ---------------------------------------------------------------- batches


def recommended(call, applicant, st_officer, n, *, start=1, **kw):
    apps = []
    for i in range(start, start + n):
        app = make_application(call, applicant, title=f"项目{i}", n=i, submit=True, **kw)
        services.prescreen(app, actor=st_officer, decision="recommend")
        apps.append(app)
    return apps


def test_forward_batches_are_numbered(call, applicant, other_applicant, st_officer):
    a, b = recommended(call, applicant, st_officer, 2)
    batch = services.forward_batch(
        call, actor=st_officer, department="science_technology", applications=[a, b.pk], note="第一批"
    )
    assert batch.number == 1 and batch.note == "第一批"
    assert set(batch.applications.values_list("state", flat=True)) == {"forwarded"}
    (c,) = recommended(call, other_applicant, st_officer, 1, start=3)
    assert (
        services.forward_batch(
            call, actor=st_officer, department="science_technology", applications=[c]
        ).number
        == 2
    )
    assert AuditEvent.objects.filter(action="application.forwarded").count() == 3
    assert AuditEvent.objects.filter(action="application.batch_forwarded").count() == 2


def test_the_quota_is_not_exceeded(call, applicant, other_applicant, st_officer):
    apps = recommended(call, applicant, st_officer, 2) + recommended(
        call, other_applicant, st_officer, 2, start=3
    )
    services.forward_batch(call, actor=st_officer, department="science_technology", applications=apps[:2])
    exc = refused(
        services.forward_batch, call, actor=st_officer, department="science_technology", applications=apps[2:]
    )
    assert exc.message == "市科学技术局在本指南的推荐限额为 3 项，已报送 2 项，本批 2 项将超出限额。"
    assert exc.code == "quota_exceeded"
    assert (
        services.forward_batch(
            call, actor=st_officer, department="science_technology", applications=apps[2:3]
        ).number
        == 2
    )


def test_only_recommended_applications_of_the_department(
    call, applicant, other_applicant, st_officer, it_officer
):
    (rec,) = recommended(call, applicant, st_officer, 1)
    pending = make_application(call, other_applicant, title="未初审", n=5, submit=True)
    exc = refused(
        services.forward_batch,
        call,
        actor=st_officer,
        department="science_technology",
        applications=[rec, pending],
    )
    assert exc.message == f"“{pending.number}”当前为“已提交，待部门初审”，只有部门已推荐的申报可以报送。"
    it_app = make_application(
        call, other_applicant, title="工信项目", department="industry_it", n=6, submit=True
    )
    services.prescreen(it_app, actor=it_officer, decision="recommend")
    exc = refused(
        services.forward_batch, call, actor=st_officer, department="science_technology", applications=[it_app]
    )
    assert exc.message == f"申报 #{it_app.pk} 不存在或不属于本部门。"
    exc = refused(
        services.forward_batch, call, actor=st_officer, department="science_technology", applications=[]
    )
    assert exc.message == "请选择要报送的项目。"
    assert not Batch.objects.exists()


def test_an_officer_forwards_only_for_their_department(call, applicant, st_officer, it_officer):
    (rec,) = recommended(call, applicant, st_officer, 1)
    with nothing_saved(), pytest.raises(NotAllowed):
        services.forward_batch(call, actor=it_officer, department="science_technology", applications=[rec])


def test_a_department_without_quota_in_a_quota_call_forwards_nothing(
    fund_year, office, applicant, st_officer
):
    from tests.calls.builders import make_call

    call = make_call(fund_year, office, code="2026-ZD-02", quotas={"science_technology": 0})
    (rec,) = recommended(call, applicant, st_officer, 1)
    exc = refused(
        services.forward_batch, call, actor=st_officer, department="science_technology", applications=[rec]
    )
    assert exc.message == "市科学技术局在本指南的推荐限额为 0 项，已报送 0 项，本批 1 项将超出限额。"


def test_without_quotas_there_is_no_limit(fund_year, office, applicant, other_applicant, st_officer):
    from tests.calls.builders import make_call

    call = make_call(fund_year, office, code="2026-ZD-03", quotas=None, per_org_limit=5)
    apps = recommended(call, applicant, st_officer, 4)
    assert (
        services.forward_batch(
            call, actor=st_officer, department="science_technology", applications=apps
        ).number
        == 1
    )
