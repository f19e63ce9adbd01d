"""The services of this stage: due diligence, the quota refusal, prizes into the proposal list,
verification and payment through the treasury (the handler directly, and the full 直通车 path)."""

import datetime as dt
from decimal import Decimal

import pytest

from techfund.awards import services
from techfund.awards.models import AwardPayment, DueDiligence
from techfund.core.errors import NotAllowed, ServiceError
from techfund.decisions import services as decisions
from techfund.decisions.models import ProposalItem
from tests.awards.conftest import DD_DAY, payee_account
from tests.decisions.conftest import area
from tests.projects.helpers import balance, disbursed, unpaid

D = Decimal
PAID_ON = dt.date(2026, 11, 20)


def test_record_diligence_only_for_finalists_and_once(call, finalists, office, fund_year):
    from tests.decisions.conftest import make_application

    outsider = make_application(fund_year, state="formal_passed")
    with pytest.raises(ServiceError) as e:
        services.record_diligence(
            call,
            actor=office,
            application=outsider,
            conducted_on=DD_DAY,
            investigators="甲",
            findings="乙",
            conclusion="confirmed",
        )
    assert "不是指南" in e.value.errors["application"][0]
    services.record_diligence(
        call,
        actor=office,
        application=finalists[0],
        conducted_on=DD_DAY,
        investigators="甲",
        findings="乙",
        conclusion="confirmed",
    )
    with pytest.raises(ServiceError) as e:
        services.record_diligence(
            call,
            actor=office,
            application=finalists[0],
            conducted_on="",
            investigators="",
            findings="",
            conclusion="x",
        )
    assert set(e.value.errors) == {"application", "conducted_on", "investigators", "findings", "conclusion"}
    assert DueDiligence.objects.count() == 1


def test_diligence_needs_the_office(call, finalists, finance):
    with pytest.raises(NotAllowed):
        services.record_diligence(
            call,
            actor=finance,
            application=finalists[0],
            conducted_on=DD_DAY,
            investigators="甲",
            findings="乙",
            conclusion="confirmed",
        )


def test_quota_refused_with_the_numbers(call, finalists, office, fund_year):
    decisions.create_batch(fund_year, actor=office, title="")
    services.record_diligence(
        call,
        actor=office,
        application=finalists[0],
        conducted_on=DD_DAY,
        investigators="甲",
        findings="乙",
        conclusion="confirmed",
    )
    with pytest.raises(ServiceError) as e:
        services.apply_prizes(call, actor=office)
    assert e.value.code == "diligence_quota"
    assert e.value.message == (
        "决赛项目 6 项，按政策须对不少于1/3的决赛项目开展尽职调查（至少 2 项），目前只有 1 项，还差 1 项，不能提出奖补。"
    )
    assert ProposalItem.objects.count() == 0


def test_apply_prizes_proposes_each_prize(call, finalists, dd, office, fund_year):
    batch = decisions.create_batch(fund_year, actor=office, title="")
    before = area(fund_year)
    items = services.apply_prizes(call, actor=office)
    got = sorted((i.application.number, i.amount, i.support_mode, i.batch_id) for i in items)
    nums = [a.number for a in finalists]
    assert got == sorted(
        [
            (nums[0], D("1000000.00"), "post_award", batch.pk),
            (nums[1], D("600000.00"), "post_award", batch.pk),
            (nums[2], D("600000.00"), "post_award", batch.pk),
            (nums[3], D("300000.00"), "post_award", batch.pk),
            (nums[4], D("300000.00"), "post_award", batch.pk),
        ]
    )
    assert area(fund_year) == before  # reserved only when the batch is submitted
    assert decisions.remaining_allocation(fund_year, call.focus_area) == before - D("2800000.00")
    # applying again replaces the draft items: same amounts, no duplicates
    services.apply_prizes(call, actor=office)
    assert ProposalItem.objects.filter(batch=batch).count() == 5


def test_forfeited_prize_is_not_passed_down(call, finalists, office, fund_year):
    decisions.create_batch(fund_year, actor=office, title="")
    for app, conclusion in ((finalists[0], "concerns"), (finalists[1], "confirmed")):
        services.record_diligence(
            call,
            actor=office,
            application=app,
            conducted_on=DD_DAY,
            investigators="甲",
            findings="乙",
            conclusion=conclusion,
        )
    sched = services.prize_schedule(call)
    assert sched.lines[0].forfeited and sched.lines[0].prize == 0
    assert [ln.prize for ln in sched.lines[1:3]] == [D("600000.00"), D("600000.00")]
    items = services.apply_prizes(call, actor=office)
    assert finalists[0].pk not in {i.application_id for i in items}


def test_prize_above_request_or_cap_refused_whole(fund_year, office, rizhao):
    from tests.awards.conftest import competition_call, finalists_of

    call = competition_call(fund_year)
    apps = finalists_of(fund_year, call, ["90.00", "80.00", "70.00"], requested="700000.00")
    decisions.create_batch(fund_year, actor=office, title="")
    for app in apps[:1]:
        services.record_diligence(
            call,
            actor=office,
            application=app,
            conducted_on=DD_DAY,
            investigators="甲",
            findings="乙",
            conclusion="confirmed",
        )
    with pytest.raises(ServiceError) as e:
        services.apply_prizes(call, actor=office)
    assert e.value.code == "prizes_invalid"
    assert "奖补 1,000,000.00 元超过其申请的财政资金 700,000.00 元" in e.value.errors["items"][0]
    assert ProposalItem.objects.count() == 0
    # the policy's total cap
    rules = dict(rizhao.rules)
    rules["competition"] = {**rules["competition"], "max_total_prizes": "1500000.00"}
    rizhao.rules = rules
    rizhao.save(update_fields=["rules"])  # TEST SETUP ONLY: the city's cap lowered
    with pytest.raises(ServiceError) as e:
        services.apply_prizes(call, actor=office)
    assert e.value.code == "prizes_over_cap"
    assert "奖补合计 2,200,000.00 元超过本市一次大赛奖补总额上限 1,500,000.00 元" in e.value.message


def test_no_draft_batch(call, finalists, dd, office):
    with pytest.raises(ServiceError) as e:
        services.apply_prizes(call, actor=office)
    assert e.value.code == "no_draft_batch"


# ---------------------------------------------------------------- verification and payment


def test_verification_by_the_department_computes_the_subsidy(subsidy_project, office):
    p = subsidy_project
    with pytest.raises(NotAllowed):
        services.verify_achievement(p, actor=office, evidence="x", eligible_spending="1000")
    v = services.verify_achievement(
        p, actor=p.officer, evidence="验收报告及专项审计报告", eligible_spending="4567890.15"
    )
    # 4,567,890.15 × 0.30 = 1,370,367.045 → 1,370,367.05 (half up), within the 3,000,000 cap and the 2,000,000 arranged
    assert v.approved_amount == D("1370367.05")
    with pytest.raises(ServiceError) as e:
        services.verify_achievement(p, actor=p.officer, evidence="x", eligible_spending="1")
    assert e.value.code == "already_verified"


def test_instruct_refused_before_verification_and_by_the_verifier(subsidy_project, finance):
    p = subsidy_project
    payee_account(p.organisation, finance)
    with pytest.raises(ServiceError) as e:
        services.instruct_payment(p, actor=finance)
    assert e.value.code == "not_verified"


def test_handler_posts_commitment_to_disbursed_and_releases_the_rest(subsidy_project, finance):
    """The on_confirmed handler called directly (as the treasury's import calls it)."""
    p = subsidy_project
    v = services.verify_achievement(p, actor=p.officer, evidence="验收报告", eligible_spending="5000000.00")
    assert v.approved_amount == D("1500000.00")
    area_before = area(p.fund_year, p.focus_area.code)
    from techfund.treasury.models import PaymentInstruction

    payee_account(p.organisation, finance)
    instruction = services.instruct_payment(p, actor=finance)
    assert isinstance(instruction, PaymentInstruction) and instruction.amount == D("1500000.00")
    entry = services.on_confirmed(instruction, actor=finance, paid_on=PAID_ON, treasury_ref="GK-JB-1")
    assert entry.code == "awards.payment.made"
    assert disbursed(p) == D("1500000.00") and unpaid(p) == 0
    assert area(p.fund_year, p.focus_area.code) == area_before + D("500000.00")
    pay = AwardPayment.objects.get(project=p)
    assert (pay.amount, pay.released_amount, pay.verification_id) == (D("1500000.00"), D("500000.00"), v.pk)


def _full_path(project, finance, ref):
    """instruct → batch → export (sent) → the treasury's confirmation file imported."""
    from techfund.treasury.services.batches import create_batch, export_batch
    from techfund.treasury.services.confirmations import import_confirmations

    instruction = services.instruct_payment(project, actor=finance)
    batch = create_batch(project.fund_year, actor=finance, instructions=[instruction])
    export_batch(batch, actor=finance, fmt="csv")
    batch.refresh_from_db()
    instruction.refresh_from_db()
    csv = (
        "指令编号,支付凭证号,金额,银行账号,支付日期,状态\n"
        f"{instruction.number},{ref},{instruction.amount},{instruction.account_number},{PAID_ON.isoformat()},已支付\n"
    ).encode()
    record = import_confirmations(batch, csv, actor=finance, filename="回单.csv", today=dt.date(2026, 11, 25))
    assert record.matched == 1, list(record.rows.values_list("result", "reason"))
    return instruction


def test_full_treasury_path_for_a_prize(fund_year, office, leader, finance):
    """A competition prize project: arranged, signed, paid in one go through the treasury."""
    from techfund.projects import services as project_services
    from tests.awards.conftest import competition_call, finalists_of, running_post_award  # noqa: F401

    call = competition_call(fund_year)
    apps = finalists_of(fund_year, call, ["90.00", "80.00", "70.00"])
    services.record_diligence(
        call,
        actor=office,
        application=apps[0],
        conducted_on=DD_DAY,
        investigators="甲",
        findings="乙",
        conclusion="confirmed",
    )
    batch = decisions.create_batch(fund_year, actor=office, title="")
    items = services.apply_prizes(call, actor=office)
    decisions.submit_batch(batch, actor=office)
    for item in items:
        decisions.decide_item(item, actor=leader, decision="approve", basis="同意")
    from tests.decisions.conftest import START
    from tests.projects.conftest import FINAL_DAY, SIGNED_ON, add_targets

    for item in items:
        add_targets(item.application)
    pub = decisions.publish_publicity(fund_year, actor=office, items=items, starts_on=START)
    decisions.end_publicity(pub, actor=office, today=FINAL_DAY)
    first = next(i for i in items if i.application_id == apps[0].pk)
    first.refresh_from_db()
    p = project_services.arrange_item(first, actor=finance, statutory_approved=True)
    assert services.kind_of(p) == "prize"
    c = project_services.generate_contract(p, actor=office)
    from techfund.core.enums import Role
    from tests import factories

    project_services.sign_contract(
        c, actor=factories.user(Role.APPLICANT, organisation=p.organisation), signatory="甲", today=SIGNED_ON
    )
    project_services.sign_contract(
        c, actor=factories.user(Role.DEPARTMENT, department=p.department), signatory="乙", today=SIGNED_ON
    )
    p.refresh_from_db()
    payee_account(p.organisation, finance)
    instruction = _full_path(p, finance, "GK-PRIZE-1")
    instruction.refresh_from_db()
    assert instruction.state == "confirmed"
    assert disbursed(p) == D("1000000.00") and unpaid(p) == 0
    pay = AwardPayment.objects.get(project=p)
    assert (pay.kind, pay.amount, pay.treasury_ref, pay.released_amount) == (
        "prize",
        D("1000000.00"),
        "GK-PRIZE-1",
        0,
    )
    with pytest.raises(ServiceError) as e:
        services.instruct_payment(p, actor=finance)
    assert e.value.code == "already_paid"


def test_full_path_general_post_award_two_people(subsidy_project, finance):
    p = subsidy_project
    services.verify_achievement(p, actor=p.officer, evidence="验收报告", eligible_spending="1000000.00")
    payee_account(p.organisation, finance)
    _full_path(p, finance, "GK-SUB-1")
    assert disbursed(p) == D("300000.00")
    assert balance(f"fund:{p.fund_year.year}:commitment:{p.number}") == 0
    from techfund.funds.reconcile import reconcile

    rep = reconcile(p.fund_year)
    assert rep.ok, rep.text()


def test_pending_instruction_blocks_a_second(subsidy_project, finance):
    p = subsidy_project
    services.verify_achievement(p, actor=p.officer, evidence="验收报告", eligible_spending="1000000.00")
    payee_account(p.organisation, finance)
    services.instruct_payment(p, actor=finance)
    with pytest.raises(ServiceError) as e:
        services.instruct_payment(p, actor=finance)
    assert e.value.code == "already_instructed"
    assert "300,000.00 元的支付指令待国库确认" in e.value.message


def test_suspended_project_not_instructed(subsidy_project, finance, office):
    from techfund.sanctions import services as sanctions

    p = subsidy_project
    services.verify_achievement(p, actor=p.officer, evidence="验收报告", eligible_spending="1000000.00")
    order = sanctions.propose_sanction(
        p, actor=office, kind="suspend", reason="审计发现问题", basis="审计报告"
    )
    sanctions.decide_sanction(order, actor=finance, decision="concur")
    with pytest.raises(ServiceError) as e:
        services.instruct_payment(p, actor=finance)
    assert e.value.code == "payments_suspended"


def test_same_person_verifies_and_instructs_refused(subsidy_project, finance):
    from techfund.core.enums import Role

    p = subsidy_project
    both = p.officer
    services.verify_achievement(p, actor=both, evidence="验收报告", eligible_spending="1000000.00")
    grant_finance(both, finance)
    both = type(both).objects.get(pk=both.pk)
    payee_account(p.organisation, finance)
    with pytest.raises(ServiceError) as e:
        services.instruct_payment(p, actor=both)
    assert e.value.code == "same_person"
    assert Role.FINANCE in both.roles()


def grant_finance(user, by):
    """Give ``user`` the finance role too (a person holding two roles)."""
    from techfund.core.models import RoleGrant

    RoleGrant.objects.create(user=user, role="finance", granted_by=by)  # TEST SETUP ONLY
