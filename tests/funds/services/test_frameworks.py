from decimal import Decimal

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import Account, AuditEvent
from techfund.core.services import audit, ledger
from techfund.funds import services
from techfund.funds.models import Framework
from techfund.funds.transitions import FRAMEWORK
from techfund.policy.models import FocusArea
from tests.funds.conftest import ALLOCATIONS, nothing_saved


def area_balance(year, code) -> Decimal:
    return ledger.balance(Account.objects.get(code=f"fund:{year}:area:{code}"))


def pool_balance(year) -> Decimal:
    return ledger.balance(Account.objects.get(code=f"fund:{year}:pool"))


# ---------------------------------------------------------------- the happy path


def test_contributions_framework_approval_and_area_balances(funded, office, leader):
    fw = services.propose_framework(
        funded, actor=office, allocations={"major_projects": "80000000.00", "key_rd": 50000000}, note="第一批"
    )
    assert fw.number == 1 and fw.state == "draft"
    assert fw.title == f"{funded.year}年度第1批框架配置"
    assert fw.equity_pilot_share == Decimal("0.1000")  # the profile's
    assert {a.focus_area.code: a.amount for a in fw.allocations.all()} == ALLOCATIONS
    assert pool_balance(funded.year) == Decimal("250000000.00")  # nothing moves before approval

    services.submit_framework(fw, actor=office)
    services.approve_framework(fw, actor=leader, reason="同意。")
    fw.refresh_from_db()
    assert fw.state == "approved" and fw.decided_by == leader and fw.decision_reason == "同意。"
    assert area_balance(funded.year, "major_projects") == Decimal("80000000.00")
    assert area_balance(funded.year, "key_rd") == Decimal("50000000.00")
    assert pool_balance(funded.year) == Decimal("120000000.00")
    for a in fw.allocations.select_related("entry"):
        assert a.entry is not None and a.entry.ref_id == str(a.pk)
        assert {p.amount for p in a.entry.postings.all()} == {a.amount, -a.amount}

    data = services.summary(funded)
    assert {r["code"]: r["amount"] for r in data["allocated_by_area"] if r["amount"]} == ALLOCATIONS
    assert data["reconciliation"]["ok"] is True
    actions = list(AuditEvent.objects.filter(target_type="funds.framework").values_list("action", "role"))
    assert actions == [
        ("fund.framework.proposed", "office"),
        ("fund.framework.submitted", "office"),
        ("fund.framework.approved", "leading_group"),
    ]
    approved = AuditEvent.objects.get(action="fund.framework.approved")
    assert approved.before["state"] == "submitted" and approved.after["state"] == "approved"
    assert approved.reason == "同意。" and set(approved.data["entries"]) == {"major_projects", "key_rd"}
    assert audit.verify().ok


def test_allocations_may_be_given_as_focus_areas(funded, office, rizhao):
    area = FocusArea.objects.get(profile=rizhao, code="platforms")
    fw = services.propose_framework(
        funded, actor=office, allocations={area: "1000.00"}, equity_pilot_share="0.25"
    )
    assert fw.allocations.get().focus_area == area and fw.equity_pilot_share == Decimal("0.2500")


def test_several_frameworks_a_year_are_numbered(approved, funded, office):
    fw2 = services.propose_framework(funded, actor=office, allocations={"platforms": "10000000.00"})
    assert fw2.number == 2 and fw2.title == f"{funded.year}年度第2批框架配置"


def test_a_second_framework_waits_for_the_open_one(draft, funded, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_framework(funded, actor=office, allocations={"platforms": "1.00"})
    assert (
        exc.value.message == "第1批框架配置（草稿）尚未审定；同一年度同时只能有一批框架配置在起草或待审定。"
    )


# ---------------------------------------------------------------- refusals at propose / update


def test_a_framework_above_the_pool_is_refused(funded, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_framework(
            funded, actor=office, allocations={"major_projects": "200000000.00", "key_rd": "50000000.01"}
        )
    msg = "框架配置合计 250,000,000.01 元，超过资金池未分配余额 250,000,000.00 元。"
    assert exc.value.message == msg and exc.value.code == "framework_exceeds_pool"
    assert exc.value.errors == {"allocations": [msg]}


def test_the_whole_pool_may_be_allocated(funded, office):
    fw = services.propose_framework(funded, actor=office, allocations={"major_projects": "250000000.00"})
    assert fw.state == "draft"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1.00", "重大科技创新专项：金额必须大于零。"),
        ("0", "重大科技创新专项：金额必须大于零。"),
        ("1.001", "重大科技创新专项：金额最多保留两位小数（到分）：1.001。"),
        ("十万", "重大科技创新专项：金额“十万”不是有效的数字。"),
    ],
)
def test_bad_allocation_amounts_are_refused(funded, office, amount, message):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_framework(funded, actor=office, allocations={"major_projects": amount})
    assert exc.value.message == message
    assert exc.value.errors == {"allocations.major_projects": [message]}


def test_a_focus_area_outside_the_profile_is_refused(funded, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_framework(funded, actor=office, allocations={"space_program": "1.00"})
    assert exc.value.message == f"重点领域“space_program”不属于 {funded.year} 年度的政策配置。"


def test_a_focus_area_of_another_profile_is_refused(funded, office):
    from techfund.policy.loader import load_preset

    taian = load_preset("taian", actor=None, year=funded.year - 1)
    foreign = taian.focus_areas.first()
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_framework(funded, actor=office, allocations={foreign: "1.00"})
    assert exc.value.message == f"重点领域“{foreign.name}”不属于 {funded.year} 年度的政策配置。"


@pytest.mark.parametrize("allocations", [{}, {"major_projects": ""}, {"major_projects": None}])
def test_a_framework_needs_at_least_one_amount(funded, office, allocations):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_framework(funded, actor=office, allocations=allocations)
    assert exc.value.message == "请至少为一个重点领域填写配置金额。"


def test_allocations_must_be_a_mapping(funded, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_framework(funded, actor=office, allocations=["major_projects"])
    assert exc.value.message == "领域配置应为“重点领域 → 金额”的对应表。"


@pytest.mark.parametrize(
    ("share", "message"),
    [
        ("1.5", "股权投资试点比例必须在 0 到 1 之间（例如 0.2 表示 20%），收到 1.5。"),
        ("-0.1", "股权投资试点比例必须在 0 到 1 之间（例如 0.2 表示 20%），收到 -0.1。"),
        ("abc", "比例“abc”不是有效的数字。"),
        ("0.12345", "股权投资试点比例最多保留四位小数。"),
    ],
)
def test_the_equity_share_is_checked(funded, office, share, message):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_framework(
            funded, actor=office, allocations={"key_rd": "1.00"}, equity_pilot_share=share
        )
    assert exc.value.message == message
    assert exc.value.errors == {"equity_pilot_share": [message]}


def test_several_problems_are_reported_together(funded, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_framework(
            funded, actor=office, allocations={"key_rd": "-5", "nowhere": "1"}, equity_pilot_share="2"
        )
    assert exc.value.message == "框架配置有误，请按提示修改。"
    assert set(exc.value.errors) == {"allocations", "allocations.key_rd", "equity_pilot_share"}


def test_update_a_draft(draft, office):
    services.update_framework(
        draft, actor=office, allocations={"platforms": "3000000.00"}, equity_pilot_share="0.2"
    )
    draft.refresh_from_db()
    assert {a.focus_area.code: a.amount for a in draft.allocations.all()} == {
        "platforms": Decimal("3000000.00")
    }
    assert draft.equity_pilot_share == Decimal("0.2000") and draft.note == "第一批"  # None keeps the note
    ev = AuditEvent.objects.get(action="fund.framework.updated")
    assert ev.before["allocations"] == {"major_projects": "80000000.00", "key_rd": "50000000.00"}
    assert ev.after["allocations"] == {"platforms": "3000000.00"}


def test_update_above_the_pool_is_refused(draft, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.update_framework(draft, actor=office, allocations={"platforms": "250000000.01"})
    assert exc.value.code == "framework_exceeds_pool"
    assert draft.allocations.count() == 2


@pytest.mark.parametrize("state", ["submitted", "approved"])
def test_update_is_refused_once_submitted(state, request, office):
    fw = request.getfixturevalue(state)
    label = {"submitted": "已报领导小组", "approved": "已审定"}[state]
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.update_framework(fw, actor=office, allocations={"platforms": "1.00"})
    assert exc.value.message == f"只有草稿或已退回的框架配置可以修改；第1批当前为“{label}”。"


# ---------------------------------------------------------------- submit, approve, return


def test_submit_is_refused_when_the_pool_shrank(draft, funded, office):
    services.void_contribution(
        funded.contributions.get(source_type__code="st_innovation"), actor=office, reason="错报"
    )
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_framework(draft, actor=office)
    assert exc.value.message == "框架配置合计 130,000,000.00 元，超过资金池未分配余额 100,000,000.00 元。"
    assert Framework.objects.get(pk=draft.pk).state == "draft"


def test_approve_rechecks_the_pool(submitted, funded, office, leader):
    services.void_contribution(
        funded.contributions.get(source_type__code="st_innovation"), actor=office, reason="错报"
    )
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.approve_framework(submitted, actor=leader)
    assert exc.value.code == "framework_exceeds_pool"
    assert Framework.objects.get(pk=submitted.pk).state == "submitted"


def test_approve_a_draft_is_refused(draft, leader):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.approve_framework(draft, actor=leader)
    assert exc.value.message == "当前状态为“草稿”，不能变更为“已审定”。"
    assert exc.value.code == "transition_not_allowed"


def test_approve_twice_is_refused(approved, leader):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.approve_framework(approved, actor=leader)
    assert exc.value.message == "当前状态为“已审定”，不能变更为“已审定”。"


def test_submit_twice_is_refused(submitted, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_framework(submitted, actor=office)
    assert exc.value.message == "当前状态为“已报领导小组”，不能变更为“已报领导小组”。"


def test_return_requires_a_reason(submitted, leader):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.return_framework(submitted, actor=leader, reason=" ")
    assert exc.value.message == "退回框架配置须说明理由。"
    assert exc.value.errors == {"reason": ["请填写理由。"]}


def test_return_revise_resubmit_approve(submitted, funded, office, leader):
    services.return_framework(submitted, actor=leader, reason="请提高重大专项比重。")
    fw = Framework.objects.get(pk=submitted.pk)
    assert fw.state == "returned" and fw.decision_reason == "请提高重大专项比重。" and fw.decided_at
    assert AuditEvent.objects.get(action="fund.framework.returned").reason == "请提高重大专项比重。"
    with pytest.raises(ServiceError):
        services.approve_framework(fw, actor=leader)  # returned → approved is not a move
    services.update_framework(
        fw, actor=office, allocations={"major_projects": "100000000.00", "key_rd": "30000000"}
    )
    assert Framework.objects.get(pk=fw.pk).state == "returned"
    services.submit_framework(fw, actor=office)
    fw.refresh_from_db()
    assert fw.state == "submitted" and fw.decision_reason == "" and fw.decided_at is None
    assert AuditEvent.objects.filter(action="fund.framework.submitted").last().data == {
        "resubmitted_after_return": "请提高重大专项比重。"
    }
    services.approve_framework(fw, actor=leader)
    assert area_balance(funded.year, "major_projects") == Decimal("100000000.00")
    assert audit.verify().ok


def test_a_returned_framework_waits_while_another_is_open(submitted, funded, office, leader):
    services.return_framework(submitted, actor=leader, reason="重新考虑")
    other = services.propose_framework(funded, actor=office, allocations={"platforms": "1.00"})
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_framework(submitted, actor=office)
    assert (
        exc.value.message
        == f"第{other.number}批框架配置（草稿）尚未审定；同一年度同时只能有一批框架配置在起草或待审定。"
    )


# ---------------------------------------------------------------- who may


@pytest.mark.parametrize("who", ["office", "finance", "auditor", "st_officer"])
def test_only_the_leading_group_decides(submitted, who, request):
    user = request.getfixturevalue(who)
    with nothing_saved():
        with pytest.raises(NotAllowed):
            services.approve_framework(submitted, actor=user)
        with pytest.raises(NotAllowed):
            services.return_framework(submitted, actor=user, reason="x")


@pytest.mark.parametrize("who", ["leader", "finance", "auditor", "st_officer"])
def test_only_the_office_proposes_updates_and_submits(draft, funded, who, request):
    user = request.getfixturevalue(who)
    with nothing_saved():
        with pytest.raises(NotAllowed):
            services.propose_framework(funded, actor=user, allocations={"platforms": "1.00"})
        with pytest.raises(NotAllowed):
            services.update_framework(draft, actor=user, allocations={"platforms": "1.00"})
        with pytest.raises(NotAllowed):
            services.submit_framework(draft, actor=user)


@pytest.mark.parametrize("who", ["applicant", "expert", "secadmin"])
def test_frameworks_are_not_visible_outside_government(submitted, funded, who, request):
    user = request.getfixturevalue(who)
    with nothing_saved():
        for call in (
            lambda: services.propose_framework(funded, actor=user, allocations={"platforms": "1.00"}),
            lambda: services.update_framework(submitted, actor=user, allocations={"platforms": "1.00"}),
            lambda: services.submit_framework(submitted, actor=user),
            lambda: services.approve_framework(submitted, actor=user),
            lambda: services.return_framework(submitted, actor=user, reason="x"),
        ):
            with pytest.raises(NotVisible):
                call()


def test_the_transition_table_names_the_permissions():
    assert sorted(FRAMEWORK.rows()) == [
        ("draft", "submitted", "funds.submit_framework"),
        ("returned", "submitted", "funds.submit_framework"),
        ("submitted", "approved", "funds.approve_framework"),
        ("submitted", "returned", "funds.return_framework"),
    ]


def test_the_database_refuses_two_open_frameworks(draft):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Framework.objects.create(fund_year=draft.fund_year, number=2, title="x")
