"""Submitting an application: the window, eligibility, completeness, money rules, limits; withdrawal."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from techfund.applications import services
from techfund.applications.checks import mask_id
from techfund.applications.models import Application
from techfund.calls import services as call_services
from techfund.calls.validation import fmt_time
from techfund.core.errors import NotAllowed, ServiceError
from techfund.core.models import AuditEvent
from tests import factories
from tests.calls.builders import complete_fields, make_application, make_call, nothing_saved, valid_id


def refused(fn, *args, **kwargs) -> ServiceError:
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        fn(*args, **kwargs)
    return exc.value


def test_submit(call, applicant):
    app = make_application(call, applicant)
    app = services.submit_application(app, actor=applicant)
    assert app.state == "submitted" and app.submitted_at is not None
    ev = AuditEvent.objects.get(action="application.submitted")
    assert ev.data["requested_amount"] == "1000000.00" and ev.after["state"] == "submitted"


def test_refused_after_the_closing_time(call, applicant):
    app = make_application(call, applicant)
    later = call.closes_at + dt.timedelta(minutes=1)
    exc = refused(services.submit_application, app, actor=applicant, now=later)
    assert exc.message == f"申报已于 {fmt_time(call.closes_at)} 截止。" and exc.code == "call_closed"


def test_refused_once_the_office_closed_the_call(call, applicant, office):
    app = make_application(call, applicant)
    call_services.close_call(call, actor=office)
    exc = refused(services.submit_application, app, actor=applicant)
    assert exc.message == f"申报已于 {fmt_time(call.closes_at)} 截止。"


def test_refused_before_opening(fund_year, office, applicant):
    now = timezone.now()
    call = make_call(
        fund_year, office, opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=5)
    )
    app = make_application(call, applicant)
    exc = refused(services.submit_application, app, actor=applicant)
    assert exc.message == f"申报将于 {fmt_time(call.opens_at)} 开始，尚未开放。"
    assert services.submit_application(app, actor=applicant, now=call.opens_at).state == "submitted"


def test_refused_when_the_call_was_cancelled(call, applicant, office):
    app = make_application(call, applicant)
    call_services.cancel_call(call, actor=office, reason="政策调整")
    exc = refused(services.submit_application, app, actor=applicant)
    assert exc.message == f"申报指南“{call.code}”当前为“已撤销”，不接受申报。"


def test_an_ineligible_organisation_is_told_every_failing_rule(fund_year, office):
    call = make_call(fund_year, office, eligible_kinds=["university"], required_qualifications=["tech_sme"])
    org = factories.organisation(credit_status="blocked")
    user = factories.user("applicant", organisation=org)
    app = make_application(call, user)
    exc = refused(services.submit_application, app, actor=user)
    assert exc.message == (
        "不符合本指南的申报条件：单位类型“企业”不在本指南的申报范围内（可申报：高等院校）。"
        "单位不具备本指南要求的资质（须具备其一：科技型中小企业）。单位被列入失信惩戒名单，不得申报。"
    )
    assert exc.code == "eligibility" and len(exc.errors["organisation"]) == 3


def test_completeness(call, applicant):
    app = make_application(call, applicant, complete=False)
    services.save_draft(app, actor=applicant, requested_amount="0")
    exc = refused(services.submit_application, app, actor=applicant)
    assert exc.message == (
        "申报书尚未填写完整，请补充：项目摘要、关键词、项目负责人及其证件号码、申请财政资金、预算明细、"
        "产出指标（至少一项）、进度节点（至少一个）。"
    )
    assert exc.errors["abstract"] == ["请填写项目摘要。"] and exc.errors["milestones"] == [
        "请填写进度节点（至少一个）。"
    ]


def test_several_failures_are_listed_together(call, applicant):
    app = make_application(call, applicant, requested_amount="3000000", self_raised="3000000", abstract="")
    exc = refused(services.submit_application, app, actor=applicant)
    assert exc.message == (
        "申报未能提交，有 3 项不符合要求：申报书尚未填写完整，请补充：项目摘要。"
        "预算明细合计 1,000,000.00 元，与申请财政资金 3,000,000.00 元不一致。"
        "申请财政资金 3,000,000.00 元，超过本指南单项资助上限 2,000,000.00 元。"
    )
    assert exc.code == "application_invalid"
    assert set(exc.errors) == {"abstract", "budget_lines", "requested_amount"}


def test_a_lead_is_needed_and_an_output_target(call, applicant):
    fields = complete_fields()
    fields["team"] = [{**m, "role": "member"} for m in fields["team"]]
    fields["targets"] = [t for t in fields["targets"] if t["kind"] == "outcome"]
    app = make_application(call, applicant, **fields)
    exc = refused(services.submit_application, app, actor=applicant)
    assert exc.message == "申报书尚未填写完整，请补充：项目负责人及其证件号码、产出指标（至少一项）。"
    assert exc.code == "completeness"


def test_budget_lines_sum_to_the_requested_amount(call, applicant):
    app = make_application(call, applicant, requested_amount="1000000.01", self_raised="2000000")
    exc = refused(services.submit_application, app, actor=applicant)
    assert exc.message == "预算明细合计 1,000,000.00 元，与申请财政资金 1,000,000.01 元不一致。"
    assert exc.code == "budget_sum"


def test_the_request_is_within_the_ceiling(fund_year, office, applicant):
    call = make_call(fund_year, office, ceiling="999999.99")
    app = make_application(call, applicant)
    exc = refused(services.submit_application, app, actor=applicant)
    assert exc.message == "申请财政资金 1,000,000.00 元，超过本指南单项资助上限 999,999.99 元。"


def test_self_raised_funds_meet_the_ratio(fund_year, office, applicant):
    call = make_call(fund_year, office, co_funding_ratio="1.5")
    app = make_application(call, applicant)
    exc = refused(services.submit_application, app, actor=applicant)
    assert (
        exc.message
        == "自筹资金 1,000,000.00 元，低于本指南的要求（不少于申请财政资金的 1.5 倍，即 1,500,000.00 元）。"
    )
    services.save_draft(app, actor=applicant, self_raised="1500000")
    assert services.submit_application(app, actor=applicant).state == "submitted"


def budget(base: str, indirect: str, equipment: str = "0") -> dict:
    """A budget whose B (direct costs − equipment purchase) is ``base``, plus ``equipment`` bought."""
    lines = [{"category": "business", "item": "业务费", "amount": base}]
    if Decimal(equipment):
        lines.append(
            {"category": "equipment", "item": "设备购置", "amount": equipment, "equipment_purchase": True}
        )
    lines.append({"category": "indirect", "item": "间接费用", "amount": indirect})
    total = Decimal(base) + Decimal(equipment) + Decimal(indirect)
    return {"budget_lines": lines, "requested_amount": str(total), "self_raised": "0"}


@pytest.fixture
def big_call(fund_year, office):
    return make_call(fund_year, office, code="2026-ZD-99", ceiling="50000000", co_funding_ratio="0")


@pytest.mark.parametrize(
    ("base", "equipment", "cap"),
    [
        ("5000000.00", "0", "1,500,000.00"),  # 30% of the first 5 million
        ("10000000.00", "0", "2,750,000.00"),  # + 25% of the next 5 million
        ("12000000.00", "3000000.00", "3,150,000.00"),  # + 20% above 10 million; equipment purchase not in B
    ],
)
def test_indirect_costs_at_the_tier_boundaries(big_call, applicant, base, equipment, cap):
    cap_value = cap.replace(",", "")
    app = make_application(
        big_call, applicant, **budget(base, str(Decimal(cap_value) + Decimal("0.01")), equipment)
    )
    exc = refused(services.submit_application, app, actor=applicant)
    b = f"{Decimal(base):,.2f}"
    over = f"{Decimal(cap_value) + Decimal('0.01'):,.2f}"
    assert (
        exc.message
        == f"间接费用 {over} 元，超过核定上限 {cap} 元（按直接费用扣除设备购置费后 {b} 元分段超额累退核定）。"
    )
    assert exc.code == "indirect_cost_cap"
    services.save_draft(app, actor=applicant, **budget(base, cap_value, equipment))
    assert services.submit_application(app, actor=applicant).state == "submitted"


def test_pure_theoretical_basic_research_gets_60_percent(big_call, applicant):
    app = make_application(big_call, applicant, **budget("1000000", "600000"))
    exc = refused(services.submit_application, app, actor=applicant)
    assert (
        exc.message
        == "间接费用 600,000.00 元，超过核定上限 300,000.00 元（按直接费用扣除设备购置费后 1,000,000.00 元分段超额累退核定）。"
    )
    services.save_draft(app, actor=applicant, basic_research=True)
    assert services.submit_application(app, actor=applicant).state == "submitted"
    services_app = Application.objects.get(pk=app.pk)
    assert services_app.basic_research is True


def test_basic_research_cap_message(big_call, applicant):
    app = make_application(big_call, applicant, basic_research=True, **budget("1000000", "600000.01"))
    exc = refused(services.submit_application, app, actor=applicant)
    assert exc.message == (
        "间接费用 600,000.01 元，超过核定上限 600,000.00 元（纯理论基础研究，按直接费用扣除设备购置费后 1,000,000.00 元的 60% 核定）。"
    )


def test_limit_per_organisation(call, applicant):
    first = make_application(call, applicant, title="项目一", n=1, submit=True)
    make_application(call, applicant, title="项目二", n=2, submit=True)
    third = make_application(call, applicant, title="项目三", n=3)
    exc = refused(services.submit_application, third, actor=applicant)
    assert (
        exc.message == "本单位在本指南下已有 2 项有效申报，达到每单位限报 2 项。" and exc.code == "limit_org"
    )
    services.withdraw_application(first, actor=applicant, reason="合并到项目二")
    assert services.submit_application(third, actor=applicant).state == "submitted"


def test_limit_per_person_counts_the_lead_across_organisations(call, applicant, other_applicant):
    make_application(call, applicant, n=1, submit=True)
    app = make_application(call, other_applicant, title="另一单位的项目", n=1)  # same lead ID number
    exc = refused(services.submit_application, app, actor=other_applicant)
    assert exc.message == (
        f"项目负责人张伟（证件号码 {mask_id(valid_id(1))}）在本指南下已作为负责人申报 1 项，达到每人限报 1 项。"
    )
    assert exc.code == "limit_person"
    services.save_draft(
        app, actor=other_applicant, team=[{"name": "王强", "id_number": valid_id(9), "role": "lead"}]
    )
    assert services.submit_application(app, actor=other_applicant).state == "submitted"


def test_rejected_and_withdrawn_applications_do_not_count(call, applicant, st_officer):
    first = make_application(call, applicant, n=1, submit=True)
    services.prescreen(first, actor=st_officer, decision="reject", reason="不属于本部门支持范围")
    second = make_application(call, applicant, title="换一个题目", n=1)
    assert services.submit_application(second, actor=applicant).state == "submitted"


def test_only_the_applicant_submits(call, applicant, office):
    app = make_application(call, applicant)
    with nothing_saved(), pytest.raises(NotAllowed):
        services.submit_application(app, actor=office)


# ---------------------------------------------------------------- withdraw


def test_withdraw_needs_a_reason(call, applicant):
    app = make_application(call, applicant, submit=True)
    exc = refused(services.withdraw_application, app, actor=applicant, reason="")
    assert exc.message == "撤回申报须说明理由。"
    app = services.withdraw_application(app, actor=applicant, reason="项目调整")
    assert app.state == "cancelled"
    assert AuditEvent.objects.get(action="application.withdrawn").reason == "项目调整"


def test_a_draft_may_be_withdrawn(call, applicant):
    app = make_application(call, applicant, complete=False)
    assert services.withdraw_application(app, actor=applicant, reason="不报了").state == "cancelled"


def test_no_withdrawal_once_forwarded(call, applicant, st_officer):
    app = make_application(call, applicant, submit=True)
    services.prescreen(app, actor=st_officer, decision="recommend")
    services.forward_batch(call, actor=st_officer, department="science_technology", applications=[app])
    exc = refused(services.withdraw_application, app, actor=applicant, reason="不报了")
    assert exc.message == "当前状态为“已报送办公室，待形式审查”，不能变更为“申报单位撤回”。"
