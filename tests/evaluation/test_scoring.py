"""RULES.md "Performance evaluation", formula by formula, to the fen, with the rizhao preset's tables.

Each group first reproduces the worked examples with the loaded ``rizhao`` profile, then changes one
number in a copy of the policy table and shows the result follows it (the data drives the code).
"""

import copy
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techfund.evaluation.scoring import (
    AutoScoring,
    BudgetAdjustment,
    IndicatorKind,
    IndicatorScore,
    budget_execution_rate,
    funds_arrival_rate,
    grade,
    next_year_adjustment,
    score_indicator,
    weighted_total,
)
from techfund.policy.loader import preset_path
from techfund.policy.schema import parse


def _preset_rules(code: str) -> dict:
    """The preset's rule tables as the loader validates them, without a database (for hypothesis)."""
    doc, profile = parse(preset_path(code).read_text(encoding="utf-8"))
    assert profile is not None, doc.problems
    return profile.rules


RIZHAO_RULES = _preset_rules("rizhao")


@pytest.fixture
def auto(rizhao):
    return rizhao.rule("auto_scoring")


def test_the_loaded_profile_holds_the_tables_these_tests_read(rizhao):
    for table in ("auto_scoring", "evaluation_grades", "self_evaluation_weights", "results_to_budget"):
        assert rizhao.rule(table) == RIZHAO_RULES[table]
    rules = AutoScoring.from_policy(rizhao.rule("auto_scoring"))
    assert rules == AutoScoring(
        places=2,
        zero_factor=D("2.00"),
        bands={
            "achieved": (D("0.80"), D("1.00")),
            "partly": (D("0.60"), D("0.80")),
            "not_achieved": (D("0.00"), D("0.60")),
        },
        deviation_factor=D("1.30"),
    )


# ---------------------------------------------------------------------------------------------------
# Higher is better: a ≥ t → w, else round(a/t·w, 2)


@pytest.mark.parametrize(
    ("w", "t", "a", "score", "ratio", "explain"),
    [
        ("20", "10", "7", "14.00", "0.7000", False),
        ("20", "10", "10", "20", "1.0000", False),
        ("20", "10", "12.99", "20", "1.2990", False),
        ("20", "10", "13", "20", "1.3000", True),  # exactly 130% of t: explain
        ("20", "10", "25", "20", "2.5000", True),
        ("20", "3", "1", "6.67", "0.3333", False),  # 6.666… half up
        ("1", "8", "1", "0.13", "0.1250", False),  # 0.125 → 0.13 (half up, not to even)
        ("15", "100", "0", "0.00", "0.0000", False),
        ("15", "100", "-5", "0.00", "-0.0500", False),  # a negative actual scores 0, not less
    ],
)
def test_higher_is_better(auto, w, t, a, score, ratio, explain):
    got = score_indicator("higher", D(w), D(t), D(a), rules=auto)
    assert got == IndicatorScore(
        kind=IndicatorKind.HIGHER, score=D(score), weight=D(w), ratio=D(ratio), needs_explanation=explain
    )
    assert str(got.score) == str(D(score).quantize(D("0.01")))


def test_higher_with_a_zero_target(auto):
    assert score_indicator("higher", D(10), D(0), D(0), rules=auto).score == D("10.00")
    got = score_indicator("higher", D(10), D(0), D(3), rules=auto)
    assert (got.score, got.ratio, got.needs_explanation) == (D("10.00"), None, True)
    assert score_indicator("higher", D(10), D(0), D(-1), rules=auto).score == D("0.00")


# ---------------------------------------------------------------------------------------------------
# Lower is better: a ≤ t → w; t < a < 2t → round((1 − (a−t)/t)·w, 2); a ≥ 2t → 0


@pytest.mark.parametrize(
    ("w", "t", "a", "score", "explain"),
    [
        ("10", "5", "7", "6.00", True),  # (1 − 2/5)·10; 7 ≥ 6.5 = 130% of 5
        ("10", "5", "10", "0.00", True),  # a = 2t
        ("10", "5", "11", "0.00", True),
        ("10", "5", "5", "10.00", False),
        ("10", "5", "0", "10.00", False),
        ("10", "5", "6.49", "7.02", False),  # (1 − 1.49/5)·10 = 7.02
        ("10", "5", "6.5", "7.00", True),  # exactly 130%
        ("10", "5", "9.99", "0.02", True),
        ("1", "8", "9", "0.88", False),  # 0.875 → 0.88, half up; 9 < 10.4
        ("20", "3", "4", "13.33", True),  # (1 − 1/3)·20 = 13.333…
    ],
)
def test_lower_is_better(auto, w, t, a, score, explain):
    got = score_indicator("lower", D(w), D(t), D(a), rules=auto)
    assert (got.score, got.needs_explanation) == (D(score), explain)
    assert got.ratio == (D(a) / D(t)).quantize(D("0.0001"))


def test_lower_with_a_zero_target_is_must_be_zero(auto):
    assert score_indicator("lower", D(10), D(0), D(0), rules=auto).score == D("10.00")
    got = score_indicator("lower", D(10), D(0), D("0.01"), rules=auto)
    assert (got.score, got.ratio, got.needs_explanation) == (D("0.00"), None, True)


def test_lower_follows_the_policy_zero_factor(auto):
    table = copy.deepcopy(auto) | {"lower_is_better_zero_factor": "3.00"}
    # Falls linearly from w at t to 0 at 3t: (15 − 10)/(2·5)·10 = 5.
    assert score_indicator("lower", D(10), D(5), D(10), rules=table).score == D("5.00")
    assert score_indicator("lower", D(10), D(5), D(15), rules=table).score == D("0.00")


# ---------------------------------------------------------------------------------------------------
# Must be zero: a ≤ 0 → w, else 0


@pytest.mark.parametrize(
    ("a", "score", "explain"),
    [("0", "8.00", False), ("-1", "8.00", False), ("0.01", "0.00", True), ("3", "0.00", True)],
)
def test_must_be_zero(auto, a, score, explain):
    got = score_indicator("zero", D(8), D(0), D(a), rules=auto)
    assert (got.kind, got.score, got.ratio, got.needs_explanation) == ("zero", D(score), None, explain)


def test_must_be_zero_refuses_another_target(auto):
    with pytest.raises(ValueError, match="^须为0的指标目标值应为0，实际为1。$"):
        score_indicator("zero", D(8), D(1), D(0), rules=auto)


# ---------------------------------------------------------------------------------------------------
# Qualitative: achieved [0.8w, w]; partly [0.6w, 0.8w); not achieved [0, 0.6w)


@pytest.mark.parametrize(
    ("band", "band_score"),
    [
        ("achieved", "16"),
        ("achieved", "20"),
        ("achieved", "18.5"),
        ("partly", "12"),
        ("partly", "15.99"),
        ("not_achieved", "0"),
        ("not_achieved", "11.99"),
    ],
)
def test_qualitative_accepts_its_band(auto, band, band_score):
    got = score_indicator("qualitative", D(20), None, band=band, band_score=D(band_score), rules=auto)
    assert got == IndicatorScore(
        kind=IndicatorKind.QUALITATIVE,
        score=D(band_score).quantize(D("0.01")),
        weight=D(20),
        ratio=None,
        needs_explanation=False,
        band=band,
    )


@pytest.mark.parametrize(
    ("band", "band_score", "message"),
    [
        ("achieved", "15.99", "“达成目标”档的得分应在16（含）至20（含）之间，实际为15.99。"),
        ("achieved", "20.01", "“达成目标”档的得分应在16（含）至20（含）之间，实际为20.01。"),
        ("partly", "16", "“部分达成并具有一定效果”档的得分应在12（含）至16（不含）之间，实际为16。"),
        ("partly", "11.99", "“部分达成并具有一定效果”档的得分应在12（含）至16（不含）之间，实际为11.99。"),
        ("not_achieved", "12", "“未达成目标”档的得分应在0（含）至12（不含）之间，实际为12。"),
        ("not_achieved", "-1", "“未达成目标”档的得分应在0（含）至12（不含）之间，实际为-1。"),
    ],
)
def test_qualitative_refuses_a_score_outside_its_band(auto, band, band_score, message):
    with pytest.raises(ValueError) as exc:
        score_indicator("qualitative", D(20), None, band=band, band_score=D(band_score), rules=auto)
    assert str(exc.value) == message


def test_qualitative_band_limits_with_an_odd_weight(auto):
    # w = 7: achieved [5.6, 7], partly [4.2, 5.6), not achieved [0, 4.2)
    assert score_indicator(
        "qualitative", D(7), None, band="partly", band_score=D("4.2"), rules=auto
    ).score == D("4.20")
    with pytest.raises(ValueError, match="4.2（含）至5.6（不含）"):
        score_indicator("qualitative", D(7), None, band="partly", band_score=D("5.6"), rules=auto)


def test_qualitative_bands_follow_the_policy(auto):
    table = copy.deepcopy(auto)
    table["qualitative_bands"] = {
        "achieved": {"min": "0.90", "max": "1.00"},
        "partly": {"min": "0.50", "max": "0.90"},
        "not_achieved": {"min": "0.00", "max": "0.50"},
    }
    assert score_indicator(
        "qualitative", D(20), None, band="partly", band_score=D(17), rules=table
    ).score == D("17.00")
    with pytest.raises(ValueError, match="应在18（含）至20（含）之间"):
        score_indicator("qualitative", D(20), None, band="achieved", band_score=D(17), rules=table)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"band": "partly"}, "定性指标须选择评分档次并给出得分。"),
        ({"band_score": D(12)}, "定性指标须选择评分档次并给出得分。"),
        (
            {"band": "great", "band_score": D(12)},
            "定性指标的评分档次“great”不存在；可选：achieved（达成目标）、partly（部分达成并具有一定效果）、"
            "not_achieved（未达成目标）。",
        ),
        ({"band": "partly", "band_score": D("12.001")}, "得分最多保留2位小数，实际为12.001。"),
    ],
)
def test_qualitative_refusals(auto, kwargs, message):
    with pytest.raises(ValueError) as exc:
        score_indicator("qualitative", D(20), None, rules=auto, **kwargs)
    assert str(exc.value) == message


def test_qualitative_takes_no_actual(auto):
    with pytest.raises(ValueError, match="^定性指标按评分档次打分，不填写实际值。$"):
        score_indicator("qualitative", D(20), None, D(3), band="partly", band_score=D(12), rules=auto)


# ---------------------------------------------------------------------------------------------------
# The 130% explanation threshold and the score's places come from the policy


def test_explanation_threshold_follows_the_policy(auto):
    assert score_indicator("higher", D(20), D(10), D(13), rules=auto).needs_explanation is True
    table = copy.deepcopy(auto) | {"deviation_explanation_factor": "1.50"}
    assert score_indicator("higher", D(20), D(10), D(13), rules=table).needs_explanation is False
    assert score_indicator("higher", D(20), D(10), D(15), rules=table).needs_explanation is True


def test_score_places_follow_the_policy(auto):
    table = copy.deepcopy(auto) | {"score_places": 1}
    got = score_indicator("higher", D(20), D(3), D(1), rules=table)
    assert (got.score, got.ratio) == (D("6.7"), D("0.333"))


# ---------------------------------------------------------------------------------------------------
# Refusals common to the quantitative kinds


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("higher", D(-1), D(10), D(5)), {}, "指标权重必须大于0，实际为-1。"),
        (("higher", D(0), D(10), D(5)), {}, "指标权重必须大于0，实际为0。"),
        (("higher", D(10), D(-1), D(5)), {}, "目标值不能为负数，实际为-1。"),
        (("lower", D(10), D("-0.5"), D(5)), {}, "目标值不能为负数，实际为-0.5。"),
        (("higher", D(10), D(10)), {}, "越大越好指标须填写目标值和实际值。"),
        (("lower", D(10), None, D(1)), {}, "越小越好指标须填写目标值和实际值。"),
        (("higher", D(10), D(10), D(5)), {"band": "partly"}, "越大越好指标按实际值计分，不选择评分档次。"),
        (
            ("bigger", D(10), D(10), D(5)),
            {},
            "指标类型“bigger”不存在；可选：higher（越大越好）、lower（越小越好）、zero（须为0）、qualitative（定性）。",
        ),
        (("higher", 10.0, D(10), D(5)), {}, "权重应为 Decimal、整数或数字字符串，实际是 float：10.0。"),
        (("higher", D(10), D("NaN"), D(5)), {}, "目标值必须是有限的数字：NaN。"),
        (("higher", D(10), "ten", D(5)), {}, "目标值“ten”不是有效的数字。"),
    ],
)
def test_indicator_refusals(auto, args, kwargs, message):
    with pytest.raises(ValueError) as exc:
        score_indicator(*args, rules=auto, **kwargs)
    assert str(exc.value) == message


def test_an_incomplete_or_impossible_auto_scoring_table_is_refused(auto):
    table = copy.deepcopy(auto)
    del table["deviation_explanation_factor"]
    with pytest.raises(ValueError, match="auto_scoring.*不完整"):
        score_indicator("higher", D(10), D(10), D(5), rules=table)
    with pytest.raises(ValueError, match="^越小越好指标的0分倍数必须大于1，实际为1。$"):
        AutoScoring.from_policy(copy.deepcopy(auto) | {"lower_is_better_zero_factor": "1.00"})


# ---------------------------------------------------------------------------------------------------
# Property: 0 ≤ score ≤ weight for every kind


AUTO = AutoScoring.from_policy(RIZHAO_RULES["auto_scoring"])
amounts = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
weights = st.decimals(min_value=D("0.01"), max_value=100, places=2, allow_nan=False, allow_infinity=False)


@given(
    kind=st.sampled_from(["higher", "lower"]),
    w=weights,
    t=amounts,
    a=st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
)
def test_quantitative_scores_stay_within_the_weight(kind, w, t, a):
    got = score_indicator(kind, w, t, a, rules=AUTO)
    assert 0 <= got.score <= w
    assert got.needs_explanation == (a >= AUTO.deviation_factor * t if t else a > 0)


@given(w=weights, a=st.decimals(min_value=-100, max_value=100, places=2, allow_nan=False))
def test_must_be_zero_scores_stay_within_the_weight(w, a):
    assert score_indicator("zero", w, D(0), a, rules=AUTO).score in (0, w)


@given(w=weights, band=st.sampled_from(list(AUTO.bands)), share=st.fractions(min_value=0, max_value=1))
def test_qualitative_scores_stay_within_the_weight(w, band, share):
    lo, hi, hi_included = AUTO.band_range(band, w)
    s = (lo + (hi - lo) * D(share.numerator) / D(share.denominator)).quantize(D("0.01"))
    if not (lo <= s <= hi if hi_included else lo <= s < hi):
        return  # rounding pushed it over the band's edge; the refusal is tested above
    got = score_indicator("qualitative", w, None, band=band, band_score=s, rules=AUTO)
    assert 0 <= got.score <= w


# ---------------------------------------------------------------------------------------------------
# Grades: 优 ≥ 90; 良 80–<90; 中 60–<80; 差 < 60


@pytest.mark.parametrize(
    ("total", "code"),
    [
        ("100", "excellent"),
        ("90", "excellent"),
        ("90.00", "excellent"),
        ("89.99", "good"),
        ("80", "good"),
        ("79.99", "fair"),
        ("60", "fair"),
        ("59.99", "poor"),
        ("0", "poor"),
    ],
)
def test_grade_boundaries(rizhao, total, code):
    assert grade(D(total), rizhao.rule("evaluation_grades.grades")) == code


def test_grades_follow_the_policy(rizhao):
    grades = copy.deepcopy(rizhao.rule("evaluation_grades.grades"))
    grades[0]["min_score"] = 85
    assert grade(D("89.99"), grades) == "excellent"
    assert grade(D("84.99"), grades) == "good"
    # The order in the table does not matter.
    assert grade(D("84.99"), list(reversed(grades))) == "good"


@pytest.mark.parametrize(
    ("total", "message"),
    [("100.01", "总分应在0至100之间，实际为100.01。"), ("-0.01", "总分应在0至100之间，实际为-0.01。")],
)
def test_grade_refuses_a_total_off_the_scale(rizhao, total, message):
    with pytest.raises(ValueError) as exc:
        grade(D(total), rizhao.rule("evaluation_grades.grades"))
    assert str(exc.value) == message


def test_grade_refuses_a_total_below_every_grade(rizhao):
    grades = [g for g in rizhao.rule("evaluation_grades.grades") if g["code"] != "poor"]
    with pytest.raises(ValueError, match="^总分59.99低于最低等级“中”的最低分60。$"):
        grade(D("59.99"), grades)
    with pytest.raises(ValueError, match="没有评价等级"):
        grade(D(50), [])


# ---------------------------------------------------------------------------------------------------
# Weighted totals: 产出 50 · 效益 30 · 满意度 10 · 预算执行率 10; 决策 15 · 过程 20 · 产出 35 · 效益 30


def test_self_evaluation_total(rizhao):
    parts = {"output": D(80), "outcome": D(90), "satisfaction": D(100), "budget_execution": D(95)}
    # (80·50 + 90·30 + 100·10 + 95·10) / 100
    assert weighted_total(parts, rizhao.rule("self_evaluation_weights.weights")) == D("86.50")


def test_comprehensive_total(rizhao):
    weights = rizhao.rule("comprehensive_weights.weights")
    parts = {"decision": D(100), "process": D(90), "output": D(85), "outcome": D(80)}
    # (1500 + 1800 + 2975 + 2400) / 100
    assert weighted_total(parts, weights) == D("86.75")
    # 0.7 · 15 / 100 = 0.105 → 0.11, half up
    zeros = dict.fromkeys(weights, D(0))
    assert weighted_total(zeros | {"decision": D("0.7")}, weights) == D("0.11")
    assert weighted_total(dict.fromkeys(weights, D(100)), weights) == D("100.00")


def test_weighted_total_follows_the_policy_weights(rizhao):
    weights = rizhao.rule("comprehensive_weights.weights") | {"process": 10, "output": 45}
    parts = {"decision": D(100), "process": D(90), "output": D(85), "outcome": D(80)}
    # (1500 + 900 + 3825 + 2400) / 100
    assert weighted_total(parts, weights) == D("86.25")


@pytest.mark.parametrize(
    ("parts", "weights", "message"),
    [
        ({"output": D(80)}, {"output": 60, "outcome": 39}, "各项权重之和应为100，现为99。"),
        ({"output": D(80)}, {"output": "60.5", "outcome": 40}, "各项权重之和应为100，现为100.5。"),
        ({"output": D(80)}, {"output": 110, "outcome": -10}, "权重不能为负数：效益。"),
        ({"output": D(80)}, {"output": 60, "outcome": 40}, "缺少以下部分的得分：效益。"),
        (
            {"output": D(80), "outcome": D(70), "extra": D(1)},
            {"output": 60, "outcome": 40},
            "以下部分没有权重：extra。",
        ),
        (
            {"output": D("100.01"), "outcome": D(70)},
            {"output": 60, "outcome": 40},
            "“产出”的得分应在0至100之间，实际为100.01。",
        ),
        (
            {"output": D(80), "outcome": D(-1)},
            {"output": 60, "outcome": 40},
            "“效益”的得分应在0至100之间，实际为-1。",
        ),
    ],
)
def test_weighted_total_refusals(parts, weights, message):
    with pytest.raises(ValueError) as exc:
        weighted_total(parts, weights)
    assert str(exc.value) == message


# ---------------------------------------------------------------------------------------------------
# 资金到位率 = arrived / planned; 预算执行率 = spent / arrived


@pytest.mark.parametrize(
    ("spent", "arrived", "rate"),
    [
        ("856000.00", "1000000.00", "85.60"),
        ("1", "3", "33.33"),
        ("2", "3", "66.67"),
        ("1", "160", "0.63"),  # 0.625 → 0.63, half up
        ("0", "500", "0.00"),
        ("500", "500", "100.00"),
        ("600", "500", "120.00"),  # spending beyond what arrived is reported, not hidden
    ],
)
def test_budget_execution_rate(spent, arrived, rate):
    assert budget_execution_rate(D(spent), D(arrived)) == D(rate)


def test_funds_arrival_rate():
    assert funds_arrival_rate(D("3000000.00"), D("4000000.00")) == D("75.00")
    assert funds_arrival_rate(D("0.01"), D("3.00")) == D("0.33")


@pytest.mark.parametrize(
    ("func", "args", "message"),
    [
        (budget_execution_rate, (D(1), D(0)), "到位资金为0，无法计算预算执行率。"),
        (funds_arrival_rate, (D(1), D("0.00")), "计划资金为0，无法计算资金到位率。"),
        (budget_execution_rate, (D(-1), D(10)), "实际支出不能为负数：-1。"),
        (funds_arrival_rate, (D(1), D("0.001")), "计划资金最多保留两位小数（到分）：0.001。"),
        (funds_arrival_rate, (D("1E+30"), D(1)), "数值过大，无法计算：1E+30。"),
    ],
)
def test_rate_refusals(func, args, message):
    with pytest.raises(ValueError) as exc:
        func(*args)
    assert str(exc.value) == message


# ---------------------------------------------------------------------------------------------------
# Results → budgets: 优 priority, 良 as needed, 中 cut in proportion, 差 cancel or suspend


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("excellent", BudgetAdjustment("priority", D("1000000.00"))),
        ("good", BudgetAdjustment("as_needed", D("1000000.00"))),
        ("fair", BudgetAdjustment("reduce", D("800000.00"), D("0.20"))),
        ("poor", BudgetAdjustment("cancel_or_suspend", D("0.00"))),
    ],
)
def test_next_year_adjustment(rizhao, code, expected):
    assert next_year_adjustment(code, D("1000000.00"), rizhao.rule("results_to_budget.actions")) == expected


def test_reduction_is_to_the_fen(rizhao):
    actions = rizhao.rule("results_to_budget.actions")
    assert next_year_adjustment("fair", D("333.33"), actions).amount == D("266.66")  # 266.664
    assert next_year_adjustment("fair", D("0.05"), actions).amount == D("0.04")


def test_next_year_adjustment_follows_the_policy(rizhao):
    actions = copy.deepcopy(rizhao.rule("results_to_budget.actions"))
    actions["fair"]["reduce_ratio"] = "0.25"
    assert next_year_adjustment("fair", D("0.30"), actions) == BudgetAdjustment(
        "reduce", D("0.23"), D("0.25")
    )
    actions["good"] = {"action": "reduce_or_cancel", "reduce_ratio": "0.50"}
    assert next_year_adjustment("good", D("100.00"), actions).amount == D("50.00")
    actions["good"] = {"action": "reduce_or_cancel"}
    assert next_year_adjustment("good", D("100.00"), actions) == BudgetAdjustment(
        "reduce_or_cancel", D("0.00")
    )


@pytest.mark.parametrize(
    ("code", "amount", "change", "message"),
    [
        ("great", "1.00", {}, "政策配置没有等级“great”的处理方式；可选：excellent、good、fair、poor。"),
        ("fair", "-1.00", {}, "金额不能为负数：-1。"),
        ("fair", "1.001", {}, "金额最多保留两位小数（到分）：1.001。"),
        (
            "fair",
            "1.00",
            {"fair": {"action": "reduce"}},
            "等级“fair”按比例压减，但政策配置没有写明压减比例。",
        ),
        (
            "fair",
            "1.00",
            {"fair": {"action": "reduce", "reduce_ratio": "1.5"}},
            "压减比例应在0至1之间，实际为1.5。",
        ),
        ("fair", "1.00", {"fair": {"action": "shrug"}}, "等级“fair”的处理方式“shrug”无法识别。"),
    ],
)
def test_next_year_adjustment_refusals(rizhao, code, amount, change, message):
    actions = copy.deepcopy(rizhao.rule("results_to_budget.actions")) | change
    with pytest.raises(ValueError) as exc:
        next_year_adjustment(code, D(amount), actions)
    assert str(exc.value) == message
