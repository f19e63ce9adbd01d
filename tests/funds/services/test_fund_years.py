from decimal import Decimal

import pytest

from techfund.core.errors import NotAllowed, ServiceError
from techfund.core.models import Account, AuditEvent
from techfund.core.services import audit, ledger
from techfund.funds import services
from techfund.funds.models import FundYear
from tests.funds.conftest import contribute, nothing_saved


def test_open_fund_year_uses_the_active_profile_and_opens_the_pool(rizhao, office):
    fy = services.open_fund_year(actor=office, year=rizhao.year)
    assert fy.profile == rizhao
    assert fy.name == f"{rizhao.year}年度市级科技创新发展资金"
    assert fy.opened_by == office
    pool = Account.objects.get(code=f"fund:{rizhao.year}:pool")
    assert pool.kind == "pool" and not pool.may_go_negative
    ev = AuditEvent.objects.get(action="fund.year.opened")
    assert ev.actor == office and ev.role == "office" and ev.target_id == str(fy.pk)
    assert ev.after["profile_code"] == "rizhao"
    assert audit.verify().ok


def test_open_fund_year_twice_is_refused(fund_year, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.open_fund_year(actor=office, year=fund_year.year)
    assert exc.value.message == f"{fund_year.year} 年度资金已设立。"
    assert exc.value.errors == {"year": [f"{fund_year.year} 年度资金已设立。"]}


@pytest.mark.parametrize("year", ["abc", "", 1999, 2101, "20.5", True])
def test_open_fund_year_refuses_a_bad_year(rizhao, office, year):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.open_fund_year(actor=office, year=year)
    assert exc.value.code == "year_invalid"
    assert exc.value.message == f"年度必须是 2000 到 2100 之间的整数，收到“{year}”。"


def test_open_fund_year_without_a_profile_is_refused(db, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.open_fund_year(actor=office, year=2026)
    assert exc.value.message == "尚未载入生效的政策配置，无法设立 2026 年度资金。"


@pytest.mark.parametrize("who", ["leader", "finance", "auditor", "officer", "applicant", "expert"])
def test_only_the_office_opens_a_fund_year(rizhao, who, request):
    user = request.getfixturevalue(who)
    with nothing_saved(), pytest.raises(NotAllowed):
        services.open_fund_year(actor=user, year=rizhao.year)
    assert not FundYear.objects.exists()


def test_summary_groups_contributions_and_reconciles(funded, office):
    data = services.summary(funded)
    assert data["contributed_total"] == Decimal("250000000.00")
    assert [(r["code"], r["amount"]) for r in data["by_source"]] == [
        ("st_innovation", Decimal("150000000.00")),
        ("technical_renovation", Decimal("60000000.00")),
        ("provincial_st", Decimal("40000000.00")),
    ]
    assert {r["code"]: r["amount"] for r in data["by_department"]} == {
        "science_technology": Decimal("190000000.00"),
        "industry_it": Decimal("60000000.00"),
    }
    assert {r["level"]: r["amount"] for r in data["by_level"]} == {
        "municipal": Decimal("210000000.00"),
        "provincial": Decimal("40000000.00"),
        "central": Decimal("0.00"),
    }
    assert data["pool_unallocated"] == Decimal("250000000.00")
    assert data["allocated_total"] == Decimal("0.00")
    assert data["below_minimum_scale"] is False and data["minimum_scale_message"] == ""
    assert data["reconciliation"]["ok"] is True
    assert data["reconciliation"]["sources_total"] == Decimal("250000000.00")


def test_summary_flags_a_pool_below_the_minimum_scale(fund_year, office):
    contribute(fund_year, office, "st_innovation", "150000000.00")
    data = services.summary(fund_year)
    assert data["min_annual_scale"] == Decimal("200000000.00")
    assert data["below_minimum_scale"] is True
    assert data["minimum_scale_message"] == (
        "本年度已入池资金 150,000,000.00 元，低于政策配置规定的年度最低规模 200,000,000.00 元（差 50,000,000.00 元）。"
    )
    contribute(fund_year, office, "technical_renovation", "50000000.00")
    assert services.summary(fund_year)["below_minimum_scale"] is False  # exactly the minimum is enough


def test_summary_notes_sources_under_another_leading_groups_procedure(fund_year, office):
    contribute(fund_year, office, "talent", "30000000.00")
    data = services.summary(fund_year)
    (row,) = data["by_source"]
    assert row["own_procedure"] is True and row["procedure_owner"] == "市委人才工作领导小组"
    assert data["notes"] == [
        f"“{row['name']}”30,000,000.00 元已入池，按“市委人才工作领导小组”的程序管理使用，不经本领导小组审定。"
    ]
    assert data["pool_unallocated"] == Decimal("30000000.00")  # recorded and pooled all the same


def test_summary_reconciles_after_approval_and_void(approved, funded, office):
    services.void_contribution(
        funded.contributions.get(source_type__code="provincial_st"), actor=office, reason="错报"
    )
    data = services.summary(funded)
    assert data["contributed_total"] == Decimal("210000000.00")
    assert data["pool_unallocated"] == Decimal("80000000.00")
    assert data["allocated_total"] == Decimal("130000000.00")
    rec = data["reconciliation"]
    assert rec["ok"] is True
    assert rec["sources_total"] == rec["pool"] + rec["areas"] + rec["downstream"] == Decimal("210000000.00")
    assert ledger.trial_balance(funded.year)["total"] == Decimal("0.00")
