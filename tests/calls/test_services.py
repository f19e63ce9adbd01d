"""The calls' services: each happy path, each refusal (its message, and nothing saved), eligibility."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from techfund.calls import services
from techfund.calls.models import Call
from techfund.calls.validation import fmt_time
from techfund.core.enums import Role
from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from tests import factories
from tests.calls.builders import call_kwargs, make_application, make_call, nothing_saved


def refused(fn, *args, **kwargs) -> ServiceError:
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        fn(*args, **kwargs)
    return exc.value


# ---------------------------------------------------------------- create


def test_create_call_is_a_draft_with_quotas_and_an_audit_event(fund_year, office):
    call = services.create_call(fund_year, actor=office, **call_kwargs())
    assert call.state == "draft" and call.published_at is None
    assert call.focus_area.code == "major_projects" and call.ceiling == Decimal("2000000.00")
    assert call.co_funding_ratio == Decimal("1.0000") and call.support_modes == ["grant"]
    assert {q.department.code: q.quota for q in call.quotas.all()} == {
        "science_technology": 3,
        "industry_it": 1,
    }
    ev = AuditEvent.objects.get(action="call.created")
    assert ev.target_id == str(call.pk) and ev.role == Role.OFFICE
    assert ev.after["quotas"] == {"science_technology": 3, "industry_it": 1} and ev.after["state"] == "draft"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"focus_area": "nowhere"}, "focus_area", "重点领域“nowhere”不属于 2026 年度的政策配置。"),
        (
            {"establishment_mode": "competition"},
            "establishment_mode",
            "重点领域“重大科技创新专项”不采用“以赛代评”方式立项（可选：竞争立项、定向委托、组阁揭榜）。",
        ),
        ({"establishment_mode": "lottery"}, "establishment_mode", "立项方式“lottery”无效。"),
        ({"support_modes": ("grant", "donation")}, "support_modes", "支持方式“donation”不在可选范围内。"),
        ({"support_modes": ()}, "support_modes", "请至少选择一项支持方式。"),
        ({"ceiling": "0"}, "ceiling", "单项资助上限必须大于零。"),
        ({"ceiling": "-5"}, "ceiling", "单项资助上限必须大于零。"),
        ({"ceiling": "1.001"}, "ceiling", "单项资助上限最多保留两位小数（到分）。"),
        ({"code": ""}, "code", "请填写指南编号。"),
        ({"co_funding_ratio": "-1"}, "co_funding_ratio", "自筹资金比例必须在 0 到 99.9999 之间。"),
        ({"per_org_limit": 0}, "per_org_limit", "每单位限报项数须为 1 到 32767 之间的整数。"),
        ({"eligible_kinds": ["enterprise", "alien"]}, "eligible_kinds", "单位类型“alien”不在可选范围内。"),
        (
            {"quotas": {"science_technology": -1}},
            "quotas.science_technology",
            "科技的推荐限额须为不小于 0 的整数。",
        ),
        ({"quotas": {"no_such_bureau": 2}}, "quotas", "职能部门“no_such_bureau”不存在或已停用。"),
    ],
)
def test_create_call_refuses_bad_fields(fund_year, office, overrides, field, message):
    exc = refused(services.create_call, fund_year, actor=office, **call_kwargs(**overrides))
    assert exc.message == message
    assert exc.errors == {field: [message]}


def test_closing_must_follow_opening(fund_year, office):
    now = timezone.now()
    exc = refused(services.create_call, fund_year, actor=office, **call_kwargs(opens_at=now, closes_at=now))
    assert exc.message == "截止申报时间必须晚于开始申报时间。" and list(exc.errors) == ["closes_at"]


def test_several_errors_are_reported_at_once(fund_year, office):
    exc = refused(
        services.create_call, fund_year, actor=office, **call_kwargs(ceiling="0", title="", code="")
    )
    assert exc.message == "申报指南有 3 处需要修改，请按提示修改。"
    assert set(exc.errors) == {"ceiling", "title", "code"}


def test_a_support_mode_outside_the_profile_is_refused(fund_year, office):
    fund_year.profile.support_modes = ["grant"]
    fund_year.profile.save(update_fields=["support_modes"])
    exc = refused(services.create_call, fund_year, actor=office, **call_kwargs(support_modes=["equity"]))
    assert exc.message == "支持方式“股权投资”不在 2026 年度政策配置之列。"


def test_call_codes_are_unique(call, fund_year, office):
    exc = refused(services.create_call, fund_year, actor=office, **call_kwargs(code=call.code))
    assert exc.message == f"指南编号“{call.code}”已被使用。"


def test_challenge_needs_targets_funding_and_deadline(fund_year, office):
    exc = refused(
        services.create_call, fund_year, actor=office, **call_kwargs(establishment_mode="challenge")
    )
    assert exc.errors == {
        "challenge_targets": ["组阁揭榜须发布榜单目标。"],
        "challenge_funding": ["组阁揭榜须写明榜单资金。"],
        "challenge_deadline": ["组阁揭榜须写明揭榜完成期限。"],
    }
    call = services.create_call(
        fund_year,
        actor=office,
        **call_kwargs(
            establishment_mode="challenge",
            challenge_targets="突破海洋装备用耐腐蚀复合材料关键技术，性能指标达到国际先进水平。",
            challenge_funding="5000000",
            challenge_deadline=dt.date(2028, 12, 31),
        ),
    )
    assert call.challenge_funding == Decimal("5000000.00") and call.challenge_deadline == dt.date(
        2028, 12, 31
    )


def test_competition_needs_prize_tiers(fund_year, office):
    kw = call_kwargs(focus_area="key_rd", establishment_mode="competition", support_modes=["post_award"])
    exc = refused(services.create_call, fund_year, actor=office, **kw)
    assert exc.errors == {"prize_tiers": ["以赛代评须设定奖补档次。"]}
    exc = refused(
        services.create_call,
        fund_year,
        actor=office,
        **{
            **kw,
            "prize_tiers": [
                {"rank_from": 1, "rank_to": 2, "amount": "1"},
                {"rank_from": 2, "rank_to": 3, "amount": "x"},
            ],
        },
    )
    assert exc.errors["prize_tiers[1].amount"] == ["奖补金额“x”不是有效的金额。"]
    tiers = [
        {"rank_from": 2, "rank_to": 3, "amount": "500000"},
        {"rank_from": 1, "rank_to": 1, "amount": "1000000"},
    ]
    call = services.create_call(fund_year, actor=office, **{**kw, "prize_tiers": tiers})
    assert call.prize_tiers == [
        {"rank_from": 1, "rank_to": 1, "amount": "1000000.00"},
        {"rank_from": 2, "rank_to": 3, "amount": "500000.00"},
    ]


def test_overlapping_prize_tiers_are_refused(fund_year, office):
    kw = call_kwargs(focus_area="key_rd", establishment_mode="competition")
    tiers = [{"rank_from": 1, "rank_to": 2, "amount": "1"}, {"rank_from": 2, "rank_to": 3, "amount": "1"}]
    exc = refused(services.create_call, fund_year, actor=office, **{**kw, "prize_tiers": tiers})
    assert exc.errors == {"prize_tiers": ["奖补档次的名次区间有重叠（第2～2名）。"]}


@pytest.mark.parametrize(("area", "mode"), [("major_projects", "commissioned"), ("stable", "stable")])
def test_directed_modes_need_designated_organisations(fund_year, office, org, area, mode):
    kw = call_kwargs(focus_area=area, establishment_mode=mode)
    exc = refused(services.create_call, fund_year, actor=office, **kw)
    label = {"commissioned": "定向委托", "stable": "稳定支持"}[mode]
    assert exc.errors == {"designated_organisations": [f"“{label}”方式须指定承担单位。"]}
    call = services.create_call(fund_year, actor=office, **kw, designated_organisations=[org])
    assert list(call.designated_organisations.all()) == [org]


def test_fields_of_another_mode_are_cleared(fund_year, office, org):
    call = services.create_call(
        fund_year,
        actor=office,
        **call_kwargs(prize_tiers=[{"rank_from": 1, "rank_to": 1, "amount": "1"}]),
        designated_organisations=[org],
        challenge_targets="x",
    )
    assert (
        call.prize_tiers == [] and call.challenge_targets == "" and not call.designated_organisations.exists()
    )


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("leader", NotAllowed),
        ("finance", NotAllowed),
        ("auditor", NotAllowed),
        ("applicant", NotVisible),
        ("expert", NotVisible),
    ],
)
def test_only_the_office_writes_calls(fund_year, who, error, request):
    """Readers of the fund are refused (403); applicants and experts do not see the fund year (404)."""
    user = request.getfixturevalue(who)
    with nothing_saved(), pytest.raises(error):
        services.create_call(fund_year, actor=user, **call_kwargs())


def test_a_department_officer_may_not_create_calls(fund_year, st_officer):
    with nothing_saved(), pytest.raises(NotAllowed):
        services.create_call(fund_year, actor=st_officer, **call_kwargs())


# ---------------------------------------------------------------- update, publish, close, cancel


def test_update_changes_only_the_given_fields(fund_year, office):
    call = make_call(fund_year, office, publish=False)
    call = services.update_call(call, actor=office, title="新标题", quotas={"science_technology": 5})
    call.refresh_from_db()
    assert call.title == "新标题" and call.ceiling == Decimal("2000000.00")
    assert {q.department.code: q.quota for q in call.quotas.all()} == {"science_technology": 5}
    ev = AuditEvent.objects.get(action="call.updated")
    assert (
        set(ev.after) == {"title", "quotas"} and ev.before["title"] == "2026年度重大科技创新专项（竞争立项）"
    )


def test_update_with_nothing_new_writes_no_event(fund_year, office):
    call = make_call(fund_year, office, publish=False)
    services.update_call(call, actor=office, title=call.title)
    assert not AuditEvent.objects.filter(action="call.updated").exists()


def test_only_drafts_may_be_updated(call, office):
    exc = refused(services.update_call, call, actor=office, title="x")
    assert exc.message == f"只有草稿状态的申报指南可以修改；“{call.code}”当前为“已发布”。"


def test_update_rejects_unknown_fields(fund_year, office):
    call = make_call(fund_year, office, publish=False)
    with pytest.raises(TypeError):
        services.update_call(call, actor=office, colour="red")


def test_publish(fund_year, office):
    call = make_call(fund_year, office, publish=False)
    call = services.publish_call(call, actor=office)
    assert call.state == "published" and call.published_at is not None
    assert AuditEvent.objects.filter(action="call.published", target_id=str(call.pk)).exists()
    exc = refused(services.publish_call, call, actor=office)
    assert exc.message == "当前状态为“已发布”，不能变更为“已发布”。"


def test_a_call_past_its_closing_time_is_not_published(fund_year, office):
    now = timezone.now()
    call = make_call(
        fund_year,
        office,
        publish=False,
        opens_at=now - dt.timedelta(days=3),
        closes_at=now - dt.timedelta(days=1),
    )
    exc = refused(services.publish_call, call, actor=office)
    assert exc.message == f"截止申报时间（{fmt_time(call.closes_at)}）已过，不能发布；请先修改申报时间。"


def test_close(call, office):
    call = services.close_call(call, actor=office)
    assert call.state == "closed"
    exc = refused(services.close_call, call, actor=office)
    assert exc.message == "当前状态为“已截止”，不能变更为“已截止”。"


def test_a_draft_cannot_be_closed(fund_year, office):
    call = make_call(fund_year, office, publish=False)
    exc = refused(services.close_call, call, actor=office)
    assert exc.message == "当前状态为“草稿”，不能变更为“已截止”。"


def test_cancel_needs_a_reason(call, office):
    exc = refused(services.cancel_call, call, actor=office, reason=" ")
    assert exc.message == "撤销申报指南须说明理由。" and exc.errors == {"reason": ["请填写理由。"]}
    call = services.cancel_call(call, actor=office, reason="政策调整，另行发布。")
    assert call.state == "cancelled"
    assert AuditEvent.objects.get(action="call.cancelled").reason == "政策调整，另行发布。"


def test_a_call_with_submitted_applications_is_closed_not_cancelled(call, office, applicant):
    make_application(call, applicant, submit=True)
    exc = refused(services.cancel_call, call, actor=office, reason="政策调整")
    assert exc.message == "已有 1 项申报提交，不能撤销该指南；如需停止征集，请截止申报。"


def test_a_call_with_drafts_only_may_be_cancelled(call, office, applicant):
    make_application(call, applicant)
    assert services.cancel_call(call, actor=office, reason="政策调整").state == "cancelled"


# ---------------------------------------------------------------- eligibility


def test_eligibility_lists_each_failed_rule(fund_year, office):
    call = make_call(
        fund_year,
        office,
        eligible_kinds=["university", "institute"],
        required_qualifications=["high_tech", "tech_sme"],
    )
    good = factories.organisation(kind="university", qualifications=["tech_sme"])
    assert services.eligibility(call, good) == []
    bad = factories.organisation(kind="enterprise", credit_status="blocked")
    assert services.eligibility(call, bad) == [
        "单位类型“企业”不在本指南的申报范围内（可申报：高等院校、科研院所）。",
        "单位不具备本指南要求的资质（须具备其一：高新技术企业、科技型中小企业）。",
        "单位被列入失信惩戒名单，不得申报。",
    ]


def test_a_credit_block_counts_only_when_the_call_says_so(fund_year, office):
    call = make_call(fund_year, office, block_credit_blocked=False)
    assert services.eligibility(call, factories.organisation(credit_status="blocked")) == []


def test_a_directed_call_takes_only_its_designated_units(fund_year, office, org):
    call = make_call(fund_year, office, establishment_mode="commissioned", designated_organisations=[org])
    assert services.eligibility(call, org) == []
    assert services.eligibility(call, factories.organisation()) == [
        "本指南采用“定向委托”方式，仅限指定的承担单位申报。"
    ]


def test_is_open(fund_year, office):
    now = timezone.now()
    call = make_call(
        fund_year, office, opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=2)
    )
    assert not services.is_open(call)
    assert services.is_open(call, now + dt.timedelta(days=1, hours=1))
    assert not services.is_open(call, now + dt.timedelta(days=2))
    assert Call.objects.get(pk=call.pk).state == "published"
