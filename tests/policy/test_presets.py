"""The two shipped presets load with what the seeds say."""

from decimal import Decimal

import pytest

from techfund.core import security
from techfund.core.enums import Level
from techfund.core.models import Department
from techfund.policy.loader import load_preset, preset_codes
from techfund.policy.models import FocusArea, FundSourceType, PolicyProfile
from techfund.policy.services import active_profile

pytestmark = pytest.mark.django_db


def test_shipped_presets():
    assert preset_codes() == ["rizhao", "taian"]


def test_rizhao(rizhao):
    assert (rizhao.code, rizhao.city, rizhao.year, rizhao.version, rizhao.is_active) == (
        "rizhao",
        "日照市",
        2026,
        1,
        True,
    )
    assert rizhao.document_number == "日政办字〔2020〕66号"
    assert rizhao.document_date.isoformat() == "2020-09-28"
    assert rizhao.leading_group == "市创建国家创新型城市工作领导小组"
    assert rizhao.office == "市创建国家创新型城市工作领导小组办公室"
    assert rizhao.office_host == "市科技局"
    assert rizhao.process_words[0] == "领导小组把方向" and rizhao.process_words[-1] == "分工联动抓绩效"
    assert len(rizhao.process_words) == 6
    assert rizhao.min_annual_scale == Decimal("200000000.00")
    assert rizhao.equity_pilot_share == Decimal("0.10")
    assert rizhao.field_notes["equity_pilot_share"]["editable"] is True
    assert rizhao.establishment_modes == ["competitive", "commissioned", "challenge", "competition", "stable"]
    assert rizhao.support_modes == ["grant", "equity", "interest_subsidy", "risk_compensation", "post_award"]

    areas = list(rizhao.focus_areas.all())
    assert len(areas) == 6
    assert [a.name for a in areas][:5] == [
        "重大科技创新专项",
        "重点研发专项",
        "重要创新平台建设",
        "重大科技成果转移转化",
        "创新主体培育和壮大",
    ]
    assert [a.code for a in areas if a.stable_support] == ["stable"]
    assert "competition" in next(a for a in areas if a.code == "key_rd").establishment_modes

    sources = {s.code: s for s in rizhao.source_types.select_related("department")}
    assert len(sources) >= 8
    talent = sources["talent"]
    assert talent.name == "人才建设（产业）资金"
    assert talent.own_procedure is True and talent.procedure_owner == "市委人才工作领导小组"
    assert talent.department.short_name == "人社"
    assert [s.code for s in sources.values() if s.own_procedure] == ["talent"]
    assert sources["marine_economy"].department.code == "ocean"
    assert {s.level for s in sources.values()} == {Level.MUNICIPAL, Level.PROVINCIAL, Level.CENTRAL}

    shorts = [link.department.short_name for link in rizhao.department_links.select_related("department")]
    assert shorts == ["科技", "工信", "人社", "农业农村", "海洋发展", "市场监管", "科协", "财政", "审计"]


def test_taian(taian):
    assert (taian.city, taian.year, taian.leading_group, taian.office_host) == (
        "泰安市",
        2026,
        "市科技领导小组",
        "市科技局",
    )
    assert taian.document_number == "" and taian.document_date.isoformat() == "2020-12-28"
    assert taian.process_words == ["把握方向", "项目申报", "评审论证", "项目审定", "预算安排", "绩效评价"]
    assert taian.min_annual_scale is None and taian.equity_pilot_share is None
    assert "competition" not in taian.establishment_modes
    assert "competition" not in taian.rules
    areas = list(taian.focus_areas.all())
    assert len(areas) == 6
    assert [a.code for a in areas if a.stable_support] == ["popularisation"]
    assert areas[-1].name == "其他需要保障的市级科技创新重点支出"
    assert all("competition" not in a.establishment_modes for a in areas)
    sources = {s.code: s for s in taian.source_types.select_related("department")}
    assert sources["technical_renovation"].name == "企业技术改造资金"
    assert sources["technical_renovation"].department.short_name == "工信"
    assert sources["drc_innovation"].department.short_name == "发改"
    assert not any(s.own_procedure for s in sources.values())
    assert {d.short_name for d in taian.departments.all()} == {
        "发改",
        "科技",
        "工信",
        "农业农村",
        "市场监管",
        "科协",
        "财政",
        "审计",
    }


def test_rule_tables_are_data_with_source_marks(rizhao):
    assert rizhao.rule("publicity.working_days") == 5
    assert rizhao.rule("security.lockout_failures") == 5
    assert rizhao.rule("security.audit_retention_days") == 180
    assert rizhao.rule("tranches.first_tranche_min_ratio") == "0.60"
    assert rizhao.rule("auto_scoring.deviation_explanation_factor") == "1.30"
    assert rizhao.rule("risk_compensation.per_enterprise_cap") == "10000000.00"
    assert rizhao.rule("equity.max_share") == "0.25"
    assert rizhao.rule("indirect_costs.tiers") == [
        {"up_to": "5000000.00", "rate": "0.30"},
        {"up_to": "10000000.00", "rate": "0.25"},
        {"up_to": None, "rate": "0.20"},
    ]
    assert [g["min_score"] for g in rizhao.rule("evaluation_grades.grades")] == [90, 80, 60, 0]
    assert sum(rizhao.rule("self_evaluation_weights.weights").values()) == 100
    assert rizhao.rule("comprehensive_weights.weights") == {
        "decision": 15,
        "process": 20,
        "output": 35,
        "outcome": 30,
    }
    assert rizhao.rule("results_to_budget.actions.fair") == {"action": "reduce", "reduce_ratio": "0.20"}
    assert rizhao.rule("nope.nothing", "default") == "default"
    for name, table in rizhao.rules.items():
        assert table["mark"] and table["document"], name


def test_login_lockout_reads_the_active_profile(rizhao):
    assert security.lockout_failure_limit() == 5
    assert security.lockout_cooloff().total_seconds() == 300


def test_departments_are_reused_across_cities(rizhao):
    taian = load_preset("taian", actor=None)
    codes = list(Department.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 10  # Rizhao's 9 plus 发改
    science = Department.objects.get(code="science_technology")
    assert science.policy_profiles.count() == 2
    assert FundSourceType.objects.filter(department=science).count() == 8  # 4 source types in each city
    # one profile is active per year: the later load replaced the other city
    rizhao.refresh_from_db()
    assert taian.is_active and not rizhao.is_active
    assert active_profile(2026) == taian


def test_another_year_keeps_its_own_rows(rizhao):
    next_year = load_preset("rizhao", actor=None, year=2027)
    assert (next_year.year, next_year.version, next_year.is_active) == (2027, 1, True)
    rizhao.refresh_from_db()
    assert rizhao.is_active  # 2026 is untouched
    assert active_profile(2026) == rizhao and active_profile(2027) == next_year
    assert (
        FocusArea.objects.filter(profile=rizhao).count()
        == FocusArea.objects.filter(profile=next_year).count()
        == 6
    )
    assert PolicyProfile.objects.count() == 2
