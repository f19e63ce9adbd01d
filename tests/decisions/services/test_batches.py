"""Proposal batches and the leading group's decision: money reserved on submission, released on a
rejection or a cut; every refusal says why and saves nothing."""

from decimal import Decimal

import pytest

from techfund.applications.enums import ApplicationState
from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.core.services import audit
from techfund.decisions import services
from techfund.decisions.models import ProposalItem
from tests.decisions.conftest import area, make_application, make_call, nothing_saved, reserved

M = Decimal("1000000.00")


def test_create_batch_numbers_and_titles(fund_year, office):
    b1 = services.create_batch(fund_year, actor=office, title="")
    b2 = services.create_batch(fund_year, actor=office, title="第二批（平台类）", note="先报平台")
    assert (b1.number, b1.title, b1.state) == (1, f"{fund_year.year}年度第1批立项建议", "draft")
    assert (b2.number, b2.title, b2.note) == (2, "第二批（平台类）", "先报平台")
    ev = AuditEvent.objects.get(action="decisions.batch.created", target_id=str(b1.pk))
    assert ev.role == "office" and ev.after["number"] == 1


def test_only_the_office_creates_batches(fund_year, leader, applicant):
    with nothing_saved():
        with pytest.raises(NotAllowed):
            services.create_batch(fund_year, actor=leader, title="x")
        with pytest.raises(NotVisible):
            services.create_batch(fund_year, actor=applicant, title="x")


def test_propose_snapshots_review_and_defaults(batch, app_a, office):
    item = services.propose_item(
        batch, actor=office, application=app_a, amount="4000000", support_mode="grant", note="排名第一"
    )
    assert item.amount == 4 * M and item.focus_area.code == "major_projects"
    assert item.implementing_organisation == app_a.organisation
    assert (item.review_score, item.review_rank) == (Decimal("91.20"), 1)
    assert item.prior_state == "reviewed" and item.state == "proposed"
    app_a.refresh_from_db()
    assert app_a.state == ApplicationState.PROPOSED
    assert services.remaining_allocation(batch.fund_year, item.focus_area) == 6 * M
    assert area(batch.fund_year) == 10 * M  # nothing moves before submission
    moved = AuditEvent.objects.get(action="decisions.application.moved", target_id=str(app_a.pk))
    assert (moved.before, moved.after) == ({"state": "reviewed"}, {"state": "proposed"})


def test_propose_over_the_remaining_allocation_is_refused(batch, proposed, fund_year, office):
    app = make_application(fund_year, requested="4000000.00")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_item(batch, actor=office, application=app, amount="3000000.01", support_mode="grant")
    assert (
        exc.value.message
        == "“重大科技创新专项”剩余可安排额度为 3,000,000.00 元，不足以安排本项建议金额 3,000,000.01 元。"
    )
    assert exc.value.code == "exceeds_remaining_allocation" and "amount" in exc.value.errors
    app.refresh_from_db()
    assert app.state == "reviewed"
    # exactly the remainder fits
    services.propose_item(batch, actor=office, application=app, amount="3000000.00", support_mode="grant")
    assert services.remaining_allocation(fund_year, app.call.focus_area) == 0


@pytest.mark.parametrize(
    "state", [ApplicationState.FORMAL_PASSED, ApplicationState.IN_REVIEW, ApplicationState.SUBMITTED]
)
def test_only_reviewed_applications_are_proposed(batch, fund_year, office, state):
    app = make_application(fund_year, state=state, score=None)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_item(batch, actor=office, application=app, amount="1000.00", support_mode="grant")
    assert exc.value.code == "application_not_reviewed"
    assert exc.value.message.startswith(
        f"申报项目“{app.title}”当前为“{app.get_state_display()}”，只有评审完成的项目"
    )


@pytest.mark.parametrize("mode", ["stable", "commissioned"])
def test_stable_and_commissioned_skip_review(batch, fund_year, office, mode):
    app = make_application(fund_year, mode=mode, state=ApplicationState.FORMAL_PASSED, score=None)
    item = services.propose_item(batch, actor=office, application=app, amount="1000.00", support_mode="grant")
    assert item.review_score is None and item.prior_state == "formal_passed"
    services.remove_item(item, actor=office)
    app.refresh_from_db()
    assert app.state == ApplicationState.FORMAL_PASSED
    assert not ProposalItem.objects.filter(pk=item.pk).exists()
    ev = AuditEvent.objects.get(action="decisions.item.removed")
    assert ev.target_id == str(batch.pk) and ev.data["item"] == item.pk


def test_amount_mode_and_year_checks(batch, fund_year, office, rizhao):
    app = make_application(
        fund_year,
        requested="2000000.00",
        call=make_call(fund_year, ceiling="1500000.00", support_modes=["grant"]),
    )
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_item(
            batch, actor=office, application=app, amount="1600000.00", support_mode="equity"
        )
    assert exc.value.errors == {
        "amount": [f"建议金额 1,600,000.00 元超过指南“{app.call.title}”的单项资助上限 1,500,000.00 元。"],
        "support_mode": [f"支持方式“股权投资”不在指南“{app.call.title}”允许的支持方式（无偿资助）之内。"],
    }
    assert exc.value.message == "立项建议有误，请按提示修改。"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_item(batch, actor=office, application=app, amount="2000000.01", support_mode="grant")
    assert "建议金额 2,000,000.01 元超过该项目申请的财政资金 2,000,000.00 元。" in exc.value.errors["amount"]
    for bad in ("0", "-5", "1.001", "abc", ""):
        with nothing_saved(), pytest.raises(ServiceError) as exc:
            services.propose_item(batch, actor=office, application=app, amount=bad, support_mode="grant")
        assert exc.value.errors["amount"]


def test_one_live_item_per_application(batch, proposed, fund_year, office):
    a, _b = proposed
    other = services.create_batch(fund_year, actor=office, title="")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_item(
            other, actor=office, application=a.application, amount="1.00", support_mode="grant"
        )
    assert exc.value.code == "application_already_proposed"
    assert (
        exc.value.message == f"申报项目“{a.application.title}”已列入第1批立项建议（建议立项），不能重复列入。"
    )


def test_submit_reserves_money_and_freezes_the_batch(batch, proposed, fund_year, office):
    a, b = proposed
    services.submit_batch(batch, actor=office)
    batch.refresh_from_db()
    assert batch.state == "submitted" and batch.submitted_at
    assert area(fund_year) == 3 * M and reserved(fund_year) == 7 * M
    a.refresh_from_db()
    assert a.reserve_entry.ref_id == str(a.pk) and a.reserve_entry.code == "decisions.item.reserved"
    assert services.remaining_allocation(fund_year, a.focus_area) == 3 * M
    app = make_application(fund_year, requested="1000.00")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_item(batch, actor=office, application=app, amount="1000.00", support_mode="grant")
    assert exc.value.message == "第1批立项建议已报领导小组（已报领导小组），不能再添加项目。"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.remove_item(a, actor=office)
    assert exc.value.message == "第1批立项建议已报领导小组，不能再撤出项目。"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_batch(batch, actor=office)
    assert exc.value.message == "当前状态为“已报领导小组”，不能变更为“已报领导小组”。"


def test_an_empty_batch_is_not_submitted(batch, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_batch(batch, actor=office)
    assert exc.value.message == "第1批立项建议还没有任何项目，不能报送。"


def test_draft_items_of_every_batch_count_against_the_remaining(fund_year, office):
    first = services.create_batch(fund_year, actor=office, title="")
    second = services.create_batch(fund_year, actor=office, title="")
    big = make_application(fund_year, requested="6000000.00", call=make_call(fund_year, ceiling="9000000.00"))
    services.propose_item(first, actor=office, application=big, amount="6000000.00", support_mode="grant")
    x = make_application(fund_year, requested="3000000.00")
    services.propose_item(second, actor=office, application=x, amount="3000000.00", support_mode="grant")
    y = make_application(fund_year, requested="2000000.00")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_item(first, actor=office, application=y, amount="1000000.01", support_mode="grant")
    assert exc.value.code == "exceeds_remaining_allocation"
    services.propose_item(first, actor=office, application=y, amount="1000000.00", support_mode="grant")
    assert services.remaining_allocation(fund_year, x.call.focus_area) == 0
    services.submit_batch(first, actor=office)
    assert area(fund_year) == 3 * M and reserved(fund_year) == 7 * M
    assert services.remaining_allocation(fund_year, x.call.focus_area) == 0
    services.submit_batch(second, actor=office)
    assert area(fund_year) == 0 and reserved(fund_year) == 10 * M


def test_ledger_refuses_a_batch_when_the_area_shrank(batch, proposed, fund_year, office):
    """If the area's balance fell below the draft items (e.g. another service moved money out),
    submission is refused as a whole, naming the area."""
    from django.db import transaction

    from techfund.core.services import ledger as core_ledger
    from techfund.decisions import accounts

    with transaction.atomic():
        core_ledger.transfer(
            accounts.area_account(fund_year.year, proposed[0].focus_area),
            accounts.reserved_account(fund_year.year, proposed[0].focus_area),
            "4000000.00",
            code="test.shrink",
            memo="test",
            year=fund_year.year,
        )
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_batch(batch, actor=office)
    assert exc.value.code == "batch_exceeds_allocation"
    assert exc.value.message == (
        "“重大科技创新专项”本批建议合计 7,000,000.00 元，超过该领域剩余配置 6,000,000.00 元；整批未报送，请调整后再报。"
    )


def test_decide_approve_modify_reject(submitted, proposed, fund_year, leader):
    a, b = proposed
    services.decide_item(a, actor=leader, decision="modify", amount="3500000.00", basis="压减10%")
    a.refresh_from_db()
    assert (a.state, a.decision, a.decided_amount, a.basis) == (
        "approved",
        "modify",
        Decimal("3500000.00"),
        "压减10%",
    )
    assert a.adjust_entry is not None and a.release_entry is None
    assert area(fund_year) == Decimal("3500000.00") and reserved(fund_year) == Decimal("6500000.00")
    submitted.refresh_from_db()
    assert submitted.state == "submitted"  # b still open
    services.decide_item(b, actor=leader, decision="reject", basis="与已立项目重复")
    b.refresh_from_db()
    assert (b.state, b.decided_amount, b.release_entry is not None) == ("rejected", None, True)
    assert area(fund_year) == Decimal("6500000.00") and reserved(fund_year) == Decimal("3500000.00")
    b.application.refresh_from_db()
    assert b.application.state == "not_approved"
    submitted.refresh_from_db()
    assert submitted.state == "decided" and submitted.decided_at
    ev = AuditEvent.objects.get(action="decisions.item.decided", target_id=str(b.pk))
    assert ev.reason == "与已立项目重复" and ev.role == "leading_group"
    assert AuditEvent.objects.get(action="decisions.batch.decided").data == {
        "by_state": {"approved": 1, "rejected": 1}
    }
    assert audit.verify().ok


def test_decide_refusals(submitted, proposed, leader, office):
    a, _b = proposed
    with nothing_saved():
        with pytest.raises(ServiceError) as exc:
            services.decide_item(a, actor=leader, decision="approve", basis="  ")
        assert exc.value.errors == {"basis": ["请填写审定依据。"]} and exc.value.message == "请填写审定依据。"
        with pytest.raises(ServiceError) as exc:
            services.decide_item(a, actor=leader, decision="modify", amount="4000000.01", basis="x")
        assert exc.value.message == "调整后金额 4,000,000.01 元须小于建议金额 4,000,000.00 元。"
        with pytest.raises(ServiceError) as exc:
            services.decide_item(a, actor=leader, decision="modify", amount="4000000.00", basis="x")
        assert exc.value.message == "调整后金额 4,000,000.00 元须小于建议金额 4,000,000.00 元。"
        with pytest.raises(ServiceError) as exc:
            services.decide_item(a, actor=leader, decision="modify", basis="x")
        assert exc.value.message == "调整后同意须填写调整后的金额。"
        with pytest.raises(ServiceError) as exc:
            services.decide_item(a, actor=leader, decision="approve", amount="1.00", basis="x")
        assert exc.value.message == "“同意”按建议金额 4,000,000.00 元安排；调整金额请选择“调整后同意”。"
        with pytest.raises(ServiceError) as exc:
            services.decide_item(a, actor=leader, decision="maybe", basis="x")
        assert exc.value.message == "请选择审定意见：同意、调整后同意或不同意。"
        with pytest.raises(NotAllowed):
            services.decide_item(a, actor=office, decision="approve", basis="x")
    services.decide_item(a, actor=leader, decision="approve", basis="同意", amount="4000000.00")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.decide_item(a, actor=leader, decision="reject", basis="再议")
    assert exc.value.code == "item_already_decided"
    assert exc.value.message == f"“{a.application.title}”已审定（审定同意），不能重复审定。"


def test_decide_needs_a_submitted_batch(batch, proposed, leader):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.decide_item(proposed[0], actor=leader, decision="approve", basis="同意")
    assert exc.value.message == "第1批立项建议当前为“拟定中”，不在待审定状态。"


def test_remaining_by_area(submitted, proposed, fund_year, office):
    batch2 = services.create_batch(fund_year, actor=office, title="")
    app = make_application(fund_year, area="key_rd", requested="1000000.00")
    services.propose_item(batch2, actor=office, application=app, amount="1000000.00", support_mode="grant")
    rows = {r["focus_area"].code: r for r in services.remaining_by_area(fund_year)}
    assert rows["major_projects"]["area_balance"] == 3 * M and rows["major_projects"]["reserved"] == 7 * M
    assert rows["key_rd"]["drafted"] == M and rows["key_rd"]["remaining"] == 4 * M
    assert rows["platforms"]["remaining"] == 0


def test_a_competition_prize_may_exceed_the_request_but_not_the_ceiling(batch, fund_year, office, rizhao):
    """以赛代评: the prize for the rank replaces what the team asked for; the call's ceiling binds."""
    call = make_call(fund_year, mode="competition", ceiling="1000000.00", support_modes=["post_award"])
    app = make_application(fund_year, requested="300000.00", call=call, support_mode="post_award")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_item(
            batch, actor=office, application=app, amount="1000000.01", support_mode="post_award"
        )
    assert exc.value.errors["amount"] == [
        f"建议金额 1,000,000.01 元超过指南“{call.title}”的单项资助上限 1,000,000.00 元。"
    ]
    item = services.propose_item(
        batch, actor=office, application=app, amount="1000000.00", support_mode="post_award"
    )
    assert item.amount == Decimal("1000000.00") and item.support_mode == "post_award"
