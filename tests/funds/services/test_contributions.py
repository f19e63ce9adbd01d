from decimal import Decimal

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import Account, AuditEvent, JournalEntry
from techfund.core.services import audit, ledger
from techfund.funds import services
from techfund.funds.models import Contribution
from tests import factories
from tests.funds.conftest import contribute, nothing_saved


def test_record_contribution_posts_source_to_pool(fund_year, office):
    c = contribute(fund_year, office, "st_innovation", "123456.78", document_ref="日财教〔2026〕1号")
    assert c.department.code == "science_technology"  # the source's managing department
    assert c.level == "municipal"  # the source's level
    assert c.amount == Decimal("123456.78") and c.state == "recorded" and c.recorded_by == office
    year = fund_year.year
    source = Account.objects.get(code=f"fund:{year}:source:st_innovation:municipal")
    pool = Account.objects.get(code=f"fund:{year}:pool")
    assert source.kind == "source" and source.may_go_negative
    assert ledger.balance(source) == Decimal("-123456.78")
    assert ledger.balance(pool) == Decimal("123456.78")
    assert c.entry.ref_type == "funds.contribution" and c.entry.ref_id == str(c.pk)
    ev = AuditEvent.objects.get(action="fund.contribution.recorded")
    assert ev.role == "office" and ev.after["amount"] == "123456.78" and ev.data["entry"] == c.entry_id
    assert audit.verify().ok


def test_record_contribution_with_level_and_department_overridden(fund_year, office):
    c = contribute(
        fund_year, office, "st_innovation", "1000.00", level="provincial", department="industry_it"
    )
    assert c.level == "provincial" and c.department.code == "industry_it"
    assert Account.objects.filter(code=f"fund:{fund_year.year}:source:st_innovation:provincial").exists()


def test_contribution_of_a_source_with_its_own_procedure_is_recorded(fund_year, office):
    c = contribute(fund_year, office, "talent", "5000000.00")
    assert c.source_type.own_procedure and c.state == "recorded"
    assert AuditEvent.objects.get(action="fund.contribution.recorded").after["own_procedure"] is True


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-100.00", "金额必须大于零。"),
        ("0", "金额必须大于零。"),
        ("0.00", "金额必须大于零。"),
        ("100.005", "金额最多保留两位小数（到分）：100.005。"),
        ("一百万", "金额“一百万”不是有效的数字。"),
        ("abc", "金额“abc”不是有效的数字。"),
        ("", "请填写金额。"),
        (None, "请填写金额。"),
        ("NaN", "金额必须是有限的数字。"),
        ("1e20", "金额过大。"),
    ],
)
def test_record_contribution_refuses_bad_amounts(fund_year, office, amount, message):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        contribute(fund_year, office, "st_innovation", amount)
    assert exc.value.message == message
    assert exc.value.errors == {"amount": [message]}


def test_record_contribution_refuses_a_source_outside_the_profile(fund_year, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        contribute(fund_year, office, "lottery", "100.00")
    assert exc.value.message == f"资金来源“lottery”不属于 {fund_year.year} 年度的政策配置。"
    assert exc.value.code == "contribution_invalid"
    assert list(exc.value.errors) == ["source_type"]


def test_record_contribution_refuses_a_source_type_of_another_profile(fund_year, office):
    from techfund.policy.loader import load_preset

    taian = load_preset("taian", actor=None, year=fund_year.year - 1)
    foreign = taian.source_types.first()
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.record_contribution(fund_year, actor=office, source_type=foreign, amount="100.00")
    assert exc.value.message == f"资金来源“{foreign.name}”不属于 {fund_year.year} 年度的政策配置。"


def test_record_contribution_reports_every_bad_field_at_once(fund_year, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        contribute(fund_year, office, "st_innovation", "-1", level="county", department="nowhere")
    assert exc.value.message == "资金来源登记有误，请按提示修改。"
    assert exc.value.errors == {
        "amount": ["金额必须大于零。"],
        "level": ["级次“county”无效，应为市级、省级或中央。"],
        "department": ["部门“nowhere”不存在。"],
    }


def test_record_contribution_refuses_a_too_long_document_ref(fund_year, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        contribute(fund_year, office, "st_innovation", "1.00", document_ref="文" * 101)
    assert exc.value.message == "资金文号不能超过100个字符。"


@pytest.mark.parametrize("who", ["leader", "finance", "auditor", "st_officer"])
def test_only_the_office_records_contributions(fund_year, who, request):
    user = request.getfixturevalue(who)
    with nothing_saved(), pytest.raises(NotAllowed):
        contribute(fund_year, user, "st_innovation", "100.00")


@pytest.mark.parametrize("who", ["applicant", "expert", "sysadmin"])
def test_those_who_cannot_see_the_fund_get_not_visible(fund_year, who, request):
    user = request.getfixturevalue(who)
    with nothing_saved(), pytest.raises(NotVisible):
        contribute(fund_year, user, "st_innovation", "100.00")


# ---------------------------------------------------------------- void


def test_void_contribution_posts_a_reversing_entry(funded, office):
    c = funded.contributions.get(source_type__code="technical_renovation")
    services.void_contribution(c, actor=office, reason="部门来文更正")
    c.refresh_from_db()
    assert c.state == "voided" and c.void_reason == "部门来文更正" and c.voided_by == office
    assert c.void_entry.reverses_id == c.entry_id
    assert {p.account.code: p.amount for p in c.void_entry.postings.select_related("account")} == {
        f"fund:{funded.year}:source:technical_renovation:municipal": Decimal("60000000.00"),
        f"fund:{funded.year}:pool": Decimal("-60000000.00"),
    }
    assert ledger.balance(Account.objects.get(code=f"fund:{funded.year}:pool")) == Decimal("190000000.00")
    ev = AuditEvent.objects.get(action="fund.contribution.voided")
    assert (
        ev.reason == "部门来文更正" and ev.before == {"state": "recorded"} and ev.after == {"state": "voided"}
    )
    assert audit.verify().ok


def test_void_requires_a_reason(funded, office):
    c = funded.contributions.first()
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.void_contribution(c, actor=office, reason="  ")
    assert exc.value.message == "冲销资金须说明理由。"
    assert exc.value.errors == {"reason": ["请填写理由。"]}


def test_void_twice_is_refused(funded, office):
    c = funded.contributions.first()
    services.void_contribution(c, actor=office, reason="错报")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.void_contribution(c, actor=office, reason="再次")
    assert exc.value.message == "该笔资金已冲销，不能重复冲销。"


def test_void_is_refused_when_the_money_has_been_allocated(approved, funded, office):
    # 250m pooled, 130m allocated: 120m left, so the 150m contribution can no longer be voided.
    c = funded.contributions.get(source_type__code="st_innovation")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.void_contribution(c, actor=office, reason="错报")
    assert exc.value.code == "pool_insufficient"
    assert exc.value.message == (
        "资金池未分配余额 120,000,000.00 元，不足以冲销该笔 150,000,000.00 元：已配置到重点领域的资金不能冲销。"
    )
    c.refresh_from_db()
    assert c.state == "recorded"


def test_void_scope_and_role(funded, office, leader, st_officer, it_officer, applicant):
    c = funded.contributions.get(source_type__code="technical_renovation")  # industry_it's money
    entries = JournalEntry.objects.count()
    with pytest.raises(NotAllowed):
        services.void_contribution(c, actor=leader, reason="x")
    with pytest.raises(NotAllowed):
        services.void_contribution(c, actor=it_officer, reason="x")  # sees it, may not void it
    with pytest.raises(NotVisible):
        services.void_contribution(c, actor=st_officer, reason="x")  # another department's money
    with pytest.raises(NotVisible):
        services.void_contribution(c, actor=applicant, reason="x")
    assert JournalEntry.objects.count() == entries
    assert Contribution.objects.get(pk=c.pk).state == "recorded"


def test_a_department_officer_of_no_source_sees_no_contribution(funded):
    from techfund.funds.scopes import visible_contributions

    stranger = factories.user("department")
    assert not visible_contributions(stranger).exists()
