"""一事一议 services: the office submits within the area's remaining allocation, the leading group
approves (project + commitment + 任务书 in one transaction) or rejects; every refusal says why and
saves nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from techfund.core.enums import CreditStatus, Role
from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.core.services import audit
from techfund.emergency import services as es
from techfund.emergency.enums import RequestState
from techfund.emergency.models import EmergencyRequest
from techfund.emergency.scopes import visible_requests
from techfund.policy.models import PolicyProfile
from techfund.projects.accounts import commitment_code
from techfund.projects.enums import ContractState, ProjectState
from tests import factories
from tests.decisions.conftest import area, balance
from tests.emergency.conftest import M, data, nothing_saved


def refused(fn, *args, **kwargs) -> ServiceError:
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        fn(*args, **kwargs)
    return exc.value


# ---------------------------------------------------------------- submit


def test_office_submits_a_justified_request(req, fund_year, office):
    assert req.number == "YS2026-001" and req.state == RequestState.SUBMITTED
    assert req.amount == 2 * M and req.focus_area.code == "major_projects"
    assert [t.name for t in req.targets.all()] == ["完成应急检测设备研制", "保障重点企业复工复产"]
    assert req.targets.first().target_value == Decimal("5.0000")
    assert req.milestones.get().description == "完成样机并投入应急使用"
    assert area(fund_year) == 10 * M  # nothing moves until the leading group approves
    ev = AuditEvent.objects.filter(action="emergency.request.submitted").get()
    assert ev.actor == office and ev.role == Role.OFFICE and ev.target_id == str(req.pk)
    assert ev.after["amount"] == "2000000.00" and ev.data["targets"] == 2
    assert ev.reason == req.justification


def test_numbers_run_within_the_year(submit):
    assert [submit(amount="1000").number for _ in range(3)] == ["YS2026-001", "YS2026-002", "YS2026-003"]


def test_refused_when_the_policy_has_no_emergency_procedure(fund_year, office, unit, ocean):
    # TEST SETUP ONLY: a profile whose procedure table does not provide for 一事一议.
    rules = dict(fund_year.profile.rules)
    rules["procedure"] = {**rules["procedure"], "emergency": False}
    PolicyProfile.objects.filter(pk=fund_year.profile_id).update(rules=rules)
    fund_year.refresh_from_db()
    exc = refused(es.submit_emergency, fund_year, actor=office, **data(unit, ocean))
    assert exc.code == "emergency_not_provided"
    assert exc.message.startswith("2026年度政策配置") and "未规定一事一议程序" in exc.message


def test_every_missing_field_is_named(fund_year, office, unit, ocean):
    bad = data(
        unit,
        ocean,
        title=" ",
        organisation="",
        department="",
        focus_area="",
        amount="",
        justification="",
        basis="",
        content="",
        start_date="",
        end_date="",
        targets=[],
    )
    exc = refused(es.submit_emergency, fund_year, actor=office, **bad)
    assert exc.code == "request_invalid" and exc.message == "一事一议申请有11处需要修改。"
    assert exc.errors == {
        "title": ["请填写项目名称。"],
        "organisation": ["请选择承担单位。"],
        "department": ["请选择主管部门。"],
        "focus_area": ["请选择重点领域。"],
        "amount": ["请填写申请金额。"],
        "justification": ["请填写必要性和紧迫性。"],
        "basis": ["请填写立项依据。"],
        "content": ["请填写主要任务与考核内容。"],
        "start_date": ["请填写起始日期。"],
        "end_date": ["请填写完成日期。"],
        "targets": ["请至少填写一项绩效目标。"],
    }


def test_bad_values_are_named(fund_year, office, unit, ocean):
    bad = data(
        unit,
        ocean,
        organisation="91370000MA0000000X",
        department="nowhere",
        focus_area="no_such_area",
        amount="-5",
        start_date="2027-01-01",
        end_date="2026-12-01",
        targets=[
            {"kind": "output", "name": "论文", "indicator_type": "higher", "target_value": ""},
            {"kind": "outcome", "name": "", "indicator_type": "qualitative", "target_text": ""},
        ],
        milestones=[{"due_date": "2030-01-01", "description": "太晚"}],
    )
    exc = refused(es.submit_emergency, fund_year, actor=office, **bad)
    e = exc.errors
    assert e["organisation"] == ["未找到承担单位“91370000MA0000000X”。"]
    assert e["department"] == ["未找到主管部门“nowhere”。"]
    assert e["focus_area"] == ["“no_such_area”不是2026年度政策配置中的重点领域。"]
    assert e["amount"] == ["申请金额必须大于零。"]
    assert e["end_date"] == ["完成日期必须晚于起始日期。"]
    assert e["targets[0].target_value"] == ["定量指标请填写目标值。"]
    assert e["targets[1].target_text"] == ["定性指标请填写目标描述。"]
    assert e["targets[1].name"] == ["请填写指标名称。"]


def test_a_milestone_outside_the_project_dates(fund_year, office, unit, ocean):
    bad = data(unit, ocean, milestones=[{"due_date": "2028-01-01", "description": "验收"}])
    exc = refused(es.submit_emergency, fund_year, actor=office, **bad)
    assert (
        exc.message == "第1项进度安排的完成时间2028-01-01不在任务书起止日期（2026-12-01至2027-11-30）之内。"
    )
    assert exc.errors == {"milestones": [exc.message]}


def test_targets_follow_the_contracts_rules(fund_year, office, unit, ocean):
    rows = [
        {"kind": "output", "name": "论文", "indicator_type": "higher", "target_value": "0"},
        {"kind": "output", "name": "事故", "indicator_type": "zero", "target_value": "2"},
    ]
    exc = refused(es.submit_emergency, fund_year, actor=office, **data(unit, ocean, targets=rows))
    assert exc.errors == {
        "targets": ["第1项绩效目标的目标值必须大于零。", "第2项绩效目标是“须为零”指标，目标值应为0。"]
    }


def test_a_blocked_unit_may_not_carry_an_emergency_project(fund_year, office, ocean):
    blocked = factories.organisation(name="失信单位有限公司", credit_status=CreditStatus.BLOCKED)
    exc = refused(es.submit_emergency, fund_year, actor=office, **data(blocked, ocean))
    assert exc.errors == {
        "organisation": ["承担单位“失信单位有限公司”处于失信惩戒期（限制申报），不能承担一事一议项目。"]
    }


def test_amount_within_the_areas_remaining_allocation(fund_year, office, unit, ocean, submit):
    exc = refused(es.submit_emergency, fund_year, actor=office, **data(unit, ocean, amount="10000000.01"))
    assert exc.code == "exceeds_remaining_allocation"
    assert exc.message == (
        "“重大科技创新专项”领域配置余额 10,000,000.00 元，其中待审定的一事一议申请 0.00 元，"
        "剩余可安排 10,000,000.00 元，不足以安排本申请 10,000,000.01 元。"
    )
    assert exc.errors == {"amount": [exc.message]}
    submit(amount="3000000")  # waits for the leading group: counts against the area
    exc = refused(es.submit_emergency, fund_year, actor=office, **data(unit, ocean, amount="7000000.01"))
    assert "其中待审定的一事一议申请 3,000,000.00 元，剩余可安排 7,000,000.00 元" in exc.message
    assert submit(amount="7000000").amount == 7 * M
    assert es.remaining_for_emergency(fund_year, EmergencyRequest.objects.first().focus_area) == {
        "balance": 10 * M,
        "pending": 10 * M,
        "remaining": Decimal("0.00"),
    }


@pytest.mark.parametrize("role", [Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT])
def test_only_the_office_submits(fund_year, unit, ocean, role):
    user = factories.user(role)
    with nothing_saved(), pytest.raises(NotAllowed):
        es.submit_emergency(fund_year, actor=user, **data(unit, ocean))


def test_an_applicant_does_not_see_the_fund_year(fund_year, unit, ocean, applicant):
    with nothing_saved(), pytest.raises(NotVisible):
        es.submit_emergency(fund_year, actor=applicant, **data(unit, ocean))


# ---------------------------------------------------------------- approve


def test_leading_group_approval_creates_the_project_and_its_contract(req, fund_year, leader, unit, ocean):
    es.approve_emergency(req, actor=leader, basis="领导小组2026年第5次会议同意")
    req.refresh_from_db()
    p = req.project
    assert req.state == RequestState.APPROVED and req.decided_by == leader and req.decided_at
    assert req.decision_basis == "领导小组2026年第5次会议同意"
    assert p.emergency and p.item is None and p.state == ProjectState.ARRANGED
    assert (p.number, p.title, p.amount) == ("KC2026-0001", req.title, 2 * M)
    assert (p.organisation, p.department, p.focus_area) == (unit, ocean, req.focus_area)
    # the money: area → commitment; the allocation reconciles
    assert area(fund_year) == 8 * M and balance(commitment_code(p)) == 2 * M
    assert area(fund_year) + balance(commitment_code(p)) == 10 * M
    # the 任务书: the request's targets and milestones, the policy's tranche plan, waiting for signatures
    c = p.contract
    assert c.state == ContractState.DRAFT and c.number == "RWS-KC2026-0001" and c.amount == 2 * M
    assert (c.start_date, c.end_date) == (dt.date(2026, 12, 1), dt.date(2027, 11, 30))
    assert [(t.kind, t.name, t.target_value, t.target_text) for t in c.targets.all()] == [
        ("output", "完成应急检测设备研制", Decimal("5.0000"), ""),
        ("outcome", "保障重点企业复工复产", None, "形成可推广的应急保障方案"),
    ]
    assert [m.description for m in c.milestones.all()] == ["完成样机并投入应急使用"]
    assert [(t.seq, t.amount) for t in c.tranches.all()] == [
        (1, Decimal("1200000.00")),
        (2, Decimal("800000.00")),
    ]
    assert "一事一议" in c.terms and req.content in c.terms and req.number in c.terms
    # one event per change, all by the leading group member, in this order
    events = list(AuditEvent.objects.filter(actor=leader).exclude(action__startswith="fund.").order_by("seq"))
    assert [(e.action, e.role) for e in events] == [
        ("projects.project.created_emergency", Role.LEADING_GROUP),
        ("projects.contract.generated", Role.LEADING_GROUP),
        ("budgets.budget.opened", Role.LEADING_GROUP),
        ("emergency.request.approved", Role.LEADING_GROUP),
    ]
    assert events[1].data["emergency_request"] == req.pk and events[1].data["authority"] == "emergency.decide"
    assert events[3].before["state"] == "submitted" and events[3].after["project"] == p.pk
    assert events[3].reason == "领导小组2026年第5次会议同意"
    assert audit.verify().ok


def test_approval_needs_a_basis(req, leader):
    exc = refused(es.approve_emergency, req, actor=leader, basis="  ")
    assert exc.message == "请填写审定依据。" and exc.errors == {"basis": ["请填写审定依据。"]}


def test_approval_refused_when_the_area_no_longer_has_the_money(submit, proposed, batch, office, leader):
    big = submit(amount="5000000")
    from techfund.decisions import services as decisions

    decisions.submit_batch(batch, actor=office)  # reserves 7,000,000 of the area's 10,000,000
    exc = refused(es.approve_emergency, big, actor=leader, basis="同意")
    assert exc.code == "exceeds_area_balance"
    assert exc.message == (
        "“重大科技创新专项”领域配置余额仅 3,000,000.00 元，"
        "不足以安排一事一议项目“海上溢油应急处置关键技术攻关”的 5,000,000.00 元。"
    )


def test_a_decided_request_is_not_decided_again(approved_req, leader):
    for fn in (es.approve_emergency, es.reject_emergency):
        exc = refused(fn, approved_req, actor=leader, basis="再议")
        assert exc.code == "already_decided"
        assert exc.message == "一事一议申请 YS2026-001 已审定（领导小组同意，已直接立项），不能重复审定。"


@pytest.mark.parametrize("role", [Role.OFFICE, Role.FINANCE, Role.AUDITOR])
def test_only_the_leading_group_decides(req, role):
    user = factories.user(role)
    for fn in (es.approve_emergency, es.reject_emergency):
        with nothing_saved(), pytest.raises(NotAllowed):
            fn(req, actor=user, basis="同意")


def test_scope_on_decisions(req, ocean_officer, applicant, officer):
    with nothing_saved(), pytest.raises(NotAllowed):  # sees its department's request, may not decide
        es.approve_emergency(req, actor=ocean_officer, basis="同意")
    for user in (applicant, officer):  # outside their scope: as if it did not exist
        with nothing_saved(), pytest.raises(NotVisible):
            es.approve_emergency(req, actor=user, basis="同意")


# ---------------------------------------------------------------- reject


def test_leading_group_rejects_with_its_basis(req, fund_year, leader):
    es.reject_emergency(req, actor=leader, basis="不属于应急事项，按常规程序申报")
    req.refresh_from_db()
    assert req.state == RequestState.REJECTED and req.project is None
    assert req.decision_basis == "不属于应急事项，按常规程序申报"
    assert area(fund_year) == 10 * M
    ev = AuditEvent.objects.get(action="emergency.request.rejected")
    assert ev.actor == leader and ev.reason == req.decision_basis and ev.after["state"] == "rejected"
    # a rejected request no longer counts against the area
    assert es.remaining_for_emergency(fund_year, req.focus_area)["pending"] == 0


def test_rejection_needs_a_basis(req, leader):
    exc = refused(es.reject_emergency, req, actor=leader, basis="")
    assert exc.errors == {"basis": ["请填写审定依据。"]}


# ---------------------------------------------------------------- scope and invariants


def test_who_sees_which_requests(
    req, office, leader, finance, auditor, ocean_officer, officer, applicant, expert
):
    for user in (office, leader, finance, auditor, ocean_officer):
        assert list(visible_requests(user)) == [req]
    for user in (officer, applicant, expert):
        assert not visible_requests(user).exists()


def test_database_refuses_an_approval_without_a_project(req, leader):
    EmergencyRequest.objects.filter(pk=req.pk).update(decision_basis="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        EmergencyRequest.objects.filter(pk=req.pk).update(
            state=RequestState.APPROVED,
            decided_by=leader,
            decided_at=req.submitted_at,
            decided_on=req.submitted_on,
        )


def test_database_refuses_a_decision_without_basis(req, leader):
    with pytest.raises(IntegrityError), transaction.atomic():
        EmergencyRequest.objects.filter(pk=req.pk).update(
            state=RequestState.REJECTED,
            decided_by=leader,
            decided_at=req.submitted_at,
            decided_on=req.submitted_on,
        )


def test_business_dates(fund_year, office, leader, unit, ocean):
    req = es.submit_emergency(fund_year, actor=office, today=dt.date(2026, 11, 2), **data(unit, ocean))
    assert req.submitted_on == dt.date(2026, 11, 2)
    exc = refused(es.approve_emergency, req, actor=leader, basis="同意", today=dt.date(2026, 11, 1))
    assert exc.code == "decided_before_submitted"
    assert exc.message == "审定日期 2026-11-01 不能早于申请提出日期 2026-11-02。"
    es.approve_emergency(req, actor=leader, basis="同意", today=dt.date(2026, 11, 5))
    req.refresh_from_db()
    assert req.decided_on == dt.date(2026, 11, 5)
    assert "经领导小组2026-11-05按一事一议程序审定同意" in req.project.contract.terms


def test_the_emergency_project_runs_like_any_other(approved_req, ocean_officer, finance, unit):
    from techfund.projects import services as projects

    p = approved_req.project
    unit_user = factories.user(Role.APPLICANT, organisation=unit)
    projects.sign_contract(p.contract, actor=unit_user, signatory="周工", today=dt.date(2026, 12, 2))
    projects.sign_contract(p.contract, actor=ocean_officer, signatory="吴处长", today=dt.date(2026, 12, 3))
    projects.confirm_statutory_approval(p, actor=finance)
    first = p.contract.tranches.get(seq=1)
    pay = projects.pay_tranche(
        first,
        actor=finance,
        treasury_ref="GK2026-YS01",
        paid_on=dt.date(2026, 12, 10),
        today=dt.date(2026, 12, 10),
    )
    p.refresh_from_db()
    assert p.state == ProjectState.IN_PROGRESS and pay.amount == Decimal("1200000.00")
    assert balance(commitment_code(p)) == Decimal("800000.00")
