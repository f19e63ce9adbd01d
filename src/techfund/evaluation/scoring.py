"""Scoring a performance evaluation (财预〔2020〕10号), as pure functions over ``Decimal``.

Every parameter comes from the policy profile's rule tables; the callers pass them in:

- ``score_indicator(..., rules=profile.rule("auto_scoring"))`` scores one indicator;
- ``weighted_total(parts, profile.rule("self_evaluation_weights.weights"))`` (or
  ``comprehensive_weights.weights``) combines the first-level parts;
- ``grade(total, profile.rule("evaluation_grades.grades"))`` gives the grade code;
- ``next_year_adjustment(grade, amount, profile.rule("results_to_budget.actions"))`` proposes the
  next year's amount.

Rounding is ROUND_HALF_UP throughout: indicator scores to the policy's ``score_places``; totals and
percentages to 0.01 (a hundredth of a point, as the 百分制 is written); yuan to the fen.

Refusals are ``ValueError`` with a Chinese message, so a service can pass it on as a ``ServiceError``.
These messages are plain strings, not gettext: wrap them where they reach a user in English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

#: Totals and percentages are written to a hundredth; amounts to the fen.
PLACES = 2
#: The 百分制: first-level parts and totals are scores out of 100, and weights sum to 100.
FULL_MARKS = Decimal(100)


class IndicatorKind(StrEnum):
    HIGHER = "higher"  # 越大越好
    LOWER = "lower"  # 越小越好
    ZERO = "zero"  # 须为0
    QUALITATIVE = "qualitative"  # 定性


KIND_LABELS = {
    IndicatorKind.HIGHER: "越大越好",
    IndicatorKind.LOWER: "越小越好",
    IndicatorKind.ZERO: "须为0",
    IndicatorKind.QUALITATIVE: "定性",
}
#: The names of ``auto_scoring.qualitative_bands`` (as in ``policy.schema.BANDS``).
BAND_LABELS = {"achieved": "达成目标", "partly": "部分达成并具有一定效果", "not_achieved": "未达成目标"}
PART_LABELS = {
    "decision": "决策",
    "process": "过程",
    "output": "产出",
    "outcome": "效益",
    "satisfaction": "满意度",
    "budget_execution": "预算执行率",
}


# ---------------------------------------------------------------------------------------------------
# Indicators


@dataclass(frozen=True)
class AutoScoring:
    """The ``auto_scoring`` rule table, read once: ``AutoScoring.from_policy(profile.rule("auto_scoring"))``."""

    places: int
    zero_factor: Decimal  # a lower-is-better indicator scores 0 from zero_factor × target on
    bands: Mapping[str, tuple[Decimal, Decimal]]  # qualitative band → (min, max) share of the weight
    deviation_factor: Decimal  # actual ≥ deviation_factor × target needs a written explanation

    @classmethod
    def from_policy(cls, table: Mapping) -> AutoScoring:
        try:
            return cls(
                places=int(table["score_places"]),
                zero_factor=_number(table["lower_is_better_zero_factor"], "越小越好指标的0分倍数"),
                bands={
                    code: (_number(b["min"], "得分率下限"), _number(b["max"], "得分率上限"))
                    for code, b in table["qualitative_bands"].items()
                },
                deviation_factor=_number(table["deviation_explanation_factor"], "偏差说明阈值"),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"政策配置的定量指标计分规则（auto_scoring）不完整：缺少 {exc}。") from exc

    def __post_init__(self):
        if self.places < 0:
            raise ValueError(f"得分保留小数位不能为负数，实际为{self.places}。")
        if self.zero_factor <= 1:
            raise ValueError(f"越小越好指标的0分倍数必须大于1，实际为{_fmt(self.zero_factor)}。")
        if self.deviation_factor <= 0:
            raise ValueError(f"偏差说明阈值必须大于0，实际为{_fmt(self.deviation_factor)}。")

    def band_range(self, band: str, weight: Decimal) -> tuple[Decimal, Decimal, bool]:
        """(low, high, high_included) of a qualitative band in points for ``weight``.

        A band's upper end is excluded when it is where another band begins (the policy's bands meet
        end to end), so 0.8·w belongs to "achieved", not to "partly"; the top band includes its end.
        """
        if band not in self.bands:
            allowed = "、".join(f"{c}（{BAND_LABELS.get(c, c)}）" for c in self.bands)
            raise ValueError(f"定性指标的评分档次“{band}”不存在；可选：{allowed}。")
        lo, hi = self.bands[band]
        high_included = not any(other[0] == hi for code, other in self.bands.items() if code != band)
        return lo * weight, hi * weight, high_included


@dataclass(frozen=True)
class IndicatorScore:
    kind: IndicatorKind
    score: Decimal
    weight: Decimal
    #: Completion ratio actual ÷ target (1.0000 = 100%), to the score's places + 2; ``None`` for a
    #: qualitative indicator or a target of 0.
    ratio: Decimal | None
    #: RULES: actual ≥ deviation_factor × target needs a written explanation of the deviation.
    needs_explanation: bool
    band: str | None = None


def score_indicator(
    kind: str,
    weight: Decimal,
    target: Decimal | None,
    actual: Decimal | None = None,
    *,
    band: str | None = None,
    band_score: Decimal | None = None,
    rules: AutoScoring | Mapping,
) -> IndicatorScore:
    """Score one indicator of weight ``weight``: target ``target``, actual ``actual``.

    - ``higher``: a ≥ t → w, else a/t·w (a negative actual scores 0);
    - ``lower``: a ≤ t → w; t < a < f·t → falls in a straight line from w to 0, i.e.
      (f·t − a)/((f − 1)·t)·w, which with the policy's f = 2 is RULES' (1 − (a−t)/t)·w; a ≥ f·t → 0;
    - ``zero`` (target must be 0): a ≤ 0 → w, else 0;
    - ``qualitative``: the assessor picks ``band`` and gives ``band_score`` in its range of points
      (policy ``qualitative_bands`` × w); ``target`` is not used and ``actual`` must be left out.

    A target of 0 for ``higher`` or ``lower``: any a ≥ 0 meets a higher-is-better target (a < 0 scores
    0); a lower-is-better one is then a must-be-zero indicator (a ≤ 0 → w, else 0). The ratio is
    ``None`` and any a > 0 needs an explanation (an unbounded deviation).

    Weight must be positive, target non-negative; ``rules`` is ``profile.rule("auto_scoring")`` or an
    ``AutoScoring`` made from it.
    """
    if not isinstance(rules, AutoScoring):
        rules = AutoScoring.from_policy(rules)
    try:
        kind = IndicatorKind(kind)
    except ValueError:
        allowed = "、".join(f"{k.value}（{label}）" for k, label in KIND_LABELS.items())
        raise ValueError(f"指标类型“{kind}”不存在；可选：{allowed}。") from None
    w = _number(weight, "权重")
    if w <= 0:
        raise ValueError(f"指标权重必须大于0，实际为{_fmt(w)}。")

    if kind is IndicatorKind.QUALITATIVE:
        if actual is not None:
            raise ValueError("定性指标按评分档次打分，不填写实际值。")
        return _qualitative(w, band, band_score, rules)

    if band is not None or band_score is not None:
        raise ValueError(f"{KIND_LABELS[kind]}指标按实际值计分，不选择评分档次。")
    if target is None or actual is None:
        raise ValueError(f"{KIND_LABELS[kind]}指标须填写目标值和实际值。")
    t, a = _number(target, "目标值"), _number(actual, "实际值")
    if t < 0:
        raise ValueError(f"目标值不能为负数，实际为{_fmt(t)}。")
    if kind is IndicatorKind.ZERO and t != 0:
        raise ValueError(f"须为0的指标目标值应为0，实际为{_fmt(t)}。")

    if t == 0:
        meets = a >= 0 if kind is IndicatorKind.HIGHER else a <= 0
        score = w if meets else Decimal(0)
    elif kind is IndicatorKind.HIGHER:
        score = w if a >= t else max(Decimal(0), a * w / t)
    else:  # LOWER
        f = rules.zero_factor
        if a <= t:
            score = w
        elif a >= f * t:
            score = Decimal(0)
        else:
            score = (f * t - a) * w / ((f - 1) * t)
    return IndicatorScore(
        kind=kind,
        score=_round(score, rules.places),
        weight=w,
        ratio=_round(a / t, rules.places + 2) if t else None,
        needs_explanation=a >= rules.deviation_factor * t if t else a > 0,
    )


def _qualitative(w: Decimal, band, band_score, rules: AutoScoring) -> IndicatorScore:
    if band is None or band_score is None:
        raise ValueError("定性指标须选择评分档次并给出得分。")
    lo, hi, hi_included = rules.band_range(band, w)
    s = _number(band_score, "得分")
    if s != _round(s, rules.places):
        raise ValueError(f"得分最多保留{rules.places}位小数，实际为{s}。")
    if not (lo <= s <= hi if hi_included else lo <= s < hi):
        raise ValueError(
            f"“{BAND_LABELS.get(band, band)}”档的得分应在{_fmt(lo)}（含）至{_fmt(hi)}"
            f"（{'含' if hi_included else '不含'}）之间，实际为{_fmt(s)}。"
        )
    return IndicatorScore(
        kind=IndicatorKind.QUALITATIVE,
        score=_round(s, rules.places),
        weight=w,
        ratio=None,
        needs_explanation=False,
        band=band,
    )


# ---------------------------------------------------------------------------------------------------
# Totals and grades


def weighted_total(parts: Mapping[str, Decimal], weights: Mapping[str, Decimal | int | str]) -> Decimal:
    """Σ part × weight ÷ 100, each part a 0–100 score, the weights (from policy) summing to 100.

    ``weights`` is ``profile.rule("self_evaluation_weights.weights")`` (产出/效益/满意度/预算执行率) or
    ``profile.rule("comprehensive_weights.weights")`` (决策/过程/产出/效益); ``parts`` must score exactly
    the weighted parts.
    """
    w = {k: _number(v, f"“{_part(k)}”的权重") for k, v in weights.items()}
    negative = [k for k, v in w.items() if v < 0]
    if negative:
        raise ValueError(f"权重不能为负数：{'、'.join(_part(k) for k in negative)}。")
    total_weight = sum(w.values(), Decimal(0))
    if total_weight != FULL_MARKS:
        raise ValueError(f"各项权重之和应为{_fmt(FULL_MARKS)}，现为{_fmt(total_weight)}。")
    missing = [k for k in w if k not in parts]
    if missing:
        raise ValueError(f"缺少以下部分的得分：{'、'.join(_part(k) for k in missing)}。")
    extra = [k for k in parts if k not in w]
    if extra:
        raise ValueError(f"以下部分没有权重：{'、'.join(_part(k) for k in extra)}。")
    total = Decimal(0)
    for key, weight in w.items():
        p = _number(parts[key], f"“{_part(key)}”的得分")
        if not 0 <= p <= FULL_MARKS:
            raise ValueError(f"“{_part(key)}”的得分应在0至{_fmt(FULL_MARKS)}之间，实际为{_fmt(p)}。")
        total += p * weight
    return _round(total / FULL_MARKS, PLACES)


def grade(total: Decimal, grades: Sequence[Mapping]) -> str:
    """The grade code (``excellent|good|fair|poor``) of a 0–100 total: the highest grade whose
    ``min_score`` the total reaches. ``grades`` is ``profile.rule("evaluation_grades.grades")``."""
    t = _number(total, "总分")
    if not 0 <= t <= FULL_MARKS:
        raise ValueError(f"总分应在0至{_fmt(FULL_MARKS)}之间，实际为{_fmt(t)}。")
    if not grades:
        raise ValueError("政策配置没有评价等级（evaluation_grades）。")
    ordered = sorted(grades, key=lambda g: _number(g["min_score"], "最低分"), reverse=True)
    for item in ordered:
        if t >= _number(item["min_score"], "最低分"):
            return item["code"]
    lowest = ordered[-1]
    raise ValueError(
        f"总分{_fmt(t)}低于最低等级“{lowest.get('name', lowest['code'])}”的最低分"
        f"{_fmt(_number(lowest['min_score'], '最低分'))}。"
    )


# ---------------------------------------------------------------------------------------------------
# Funds


def funds_arrival_rate(arrived: Decimal, planned: Decimal) -> Decimal:
    """资金到位率 = arrived ÷ planned, as a percentage to 0.01."""
    return _rate(arrived, planned, "资金到位率", "到位资金", "计划资金")


def budget_execution_rate(spent: Decimal, arrived: Decimal) -> Decimal:
    """预算执行率 = actually spent ÷ arrived, as a percentage to 0.01."""
    return _rate(spent, arrived, "预算执行率", "实际支出", "到位资金")


def _rate(numerator, denominator, name: str, num_label: str, den_label: str) -> Decimal:
    n, d = _yuan(numerator, num_label), _yuan(denominator, den_label)
    if d == 0:
        raise ValueError(f"{den_label}为0，无法计算{name}。")
    return _round(n * FULL_MARKS / d, PLACES)


@dataclass(frozen=True)
class BudgetAdjustment:
    #: The policy's action code: priority, as_needed, reduce, cancel_or_suspend, reduce_or_cancel.
    action: str
    #: The proposed amount for next year, in yuan.
    amount: Decimal
    #: The share cut, for the reducing actions.
    reduce_ratio: Decimal | None = None


def next_year_adjustment(grade: str, amount: Decimal, mapping: Mapping[str, Mapping]) -> BudgetAdjustment:
    """What a grade proposes for next year's ``amount`` (yuan), by ``profile.rule("results_to_budget.actions")``.

    ``priority`` and ``as_needed`` keep the amount (the action tells how it is arranged); ``reduce``
    cuts it by the mapping's ``reduce_ratio`` (to the fen, half up); ``cancel_or_suspend`` proposes 0;
    ``reduce_or_cancel`` cuts by its ratio when the mapping gives one and otherwise proposes 0.
    """
    a = _yuan(amount, "金额")
    if grade not in mapping:
        raise ValueError(f"政策配置没有等级“{grade}”的处理方式；可选：{'、'.join(mapping)}。")
    item = mapping[grade]
    action = item.get("action")
    ratio = _number(item["reduce_ratio"], "压减比例") if item.get("reduce_ratio") is not None else None
    if ratio is not None and not 0 <= ratio <= 1:
        raise ValueError(f"压减比例应在0至1之间，实际为{_fmt(ratio)}。")
    if action in ("priority", "as_needed"):
        return BudgetAdjustment(action, a)
    if action == "reduce":
        if ratio is None:
            raise ValueError(f"等级“{grade}”按比例压减，但政策配置没有写明压减比例。")
        return BudgetAdjustment(action, _round(a * (1 - ratio), PLACES), ratio)
    if action == "reduce_or_cancel":
        proposed = _round(a * (1 - ratio), PLACES) if ratio is not None else Decimal(0).quantize(a)
        return BudgetAdjustment(action, proposed, ratio)
    if action == "cancel_or_suspend":
        return BudgetAdjustment(action, Decimal(0).quantize(a))
    raise ValueError(f"等级“{grade}”的处理方式“{action}”无法识别。")


# ---------------------------------------------------------------------------------------------------
# Numbers


def _number(value, label: str) -> Decimal:
    """A finite Decimal from a Decimal, an int or a policy string ("1.30"); floats are refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValueError(f"{label}应为 Decimal、整数或数字字符串，实际是 {type(value).__name__}：{value!r}。")
    try:
        d = Decimal(value)
    except ArithmeticError:
        raise ValueError(f"{label}“{value}”不是有效的数字。") from None
    if not d.is_finite():
        raise ValueError(f"{label}必须是有限的数字：{value}。")
    return d


def _yuan(value, label: str) -> Decimal:
    d = _number(value, label)
    if d < 0:
        raise ValueError(f"{label}不能为负数：{_fmt(d)}。")
    if d != _round(d, PLACES):
        raise ValueError(f"{label}最多保留两位小数（到分）：{d}。")
    return _round(d, PLACES)


def _round(value: Decimal, places: int) -> Decimal:
    try:
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"数值过大，无法计算：{value}。") from None


def _fmt(value: Decimal) -> str:
    """``16`` for 16.00, ``2.664`` for 2.664: the value as exact as it is, without a trailing tail."""
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")


def _part(code: str) -> str:
    return PART_LABELS.get(code, code)
