"""How the evaluation records read: why a KPI scored what it did, what a grade means for next year.

Everything is computed from the stored numbers and the rule tables stored with the record (never
from today's policy), in the user's language.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from techfund.applications.enums import IndicatorType
from techfund.evaluation.enums import ACTION_LABELS, Band, Grade
from techfund.evaluation.scoring import FULL_MARKS, AutoScoring
from techfund.evaluation.services._common import show


def _auto(rules: dict) -> AutoScoring | None:
    try:
        return AutoScoring.from_policy((rules or {}).get("auto_scoring") or {})
    except ValueError:
        return None


def band_label(code: str) -> str:
    return str(Band(code).label) if code in Band.values else code


def kpi_basis(result, rules: dict) -> str:
    """Why ``result`` (a KpiResult with its target) scored what it did, in one sentence."""
    t = result.target
    auto = _auto(rules)
    s, w = show(result.score), show(FULL_MARKS)
    unit = t.unit or ""
    if t.indicator_type == IndicatorType.QUALITATIVE:
        if auto is None or result.band not in auto.bands:
            return _("定性指标，评定 %(s)s 分。") % {"s": s}
        lo, hi, incl = auto.band_range(result.band, FULL_MARKS)
        return _("定性指标，评分档次“%(band)s”（%(lo)s–%(hi)s 分%(incl)s），评定 %(s)s 分。") % {
            "band": band_label(result.band),
            "lo": show(lo),
            "hi": show(hi),
            "incl": "" if incl else _("，不含上限"),
            "s": s,
        }
    a = result.actual_value
    target = t.target_value if t.target_value is not None else Decimal(0)
    fa, ft = show(a), show(target)
    if t.indicator_type == IndicatorType.ZERO or target == 0:
        ok = a <= 0 if t.indicator_type != IndicatorType.HIGHER else a >= 0
        if ok:
            return _("目标值为0，实际 %(a)s%(u)s，达到目标，得满分 %(w)s。") % {"a": fa, "u": unit, "w": w}
        return _("目标值为0，实际 %(a)s%(u)s，未达到目标，得0分。") % {"a": fa, "u": unit}
    if t.indicator_type == IndicatorType.HIGHER:
        if a >= target:
            return _("越大越好：实际 %(a)s%(u)s ≥ 目标 %(t)s%(u)s，得满分 %(w)s。") % {
                "a": fa,
                "t": ft,
                "u": unit,
                "w": w,
            }
        return _("越大越好：实际 %(a)s ÷ 目标 %(t)s × %(w)s = %(s)s 分。") % {
            "a": fa,
            "t": ft,
            "w": w,
            "s": s,
        }
    # lower is better
    if a <= target:
        return _("越小越好：实际 %(a)s%(u)s ≤ 目标 %(t)s%(u)s，得满分 %(w)s。") % {
            "a": fa,
            "t": ft,
            "u": unit,
            "w": w,
        }
    factor = auto.zero_factor if auto else Decimal(2)
    zero_at = show(factor * target)
    if result.score == 0:
        return _("越小越好：实际 %(a)s%(u)s 达到目标 %(t)s%(u)s 的 %(f)s 倍（%(z)s）及以上，得0分。") % {
            "a": fa,
            "t": ft,
            "u": unit,
            "f": show(factor),
            "z": zero_at,
        }
    return _(
        "越小越好：实际 %(a)s%(u)s 超过目标 %(t)s%(u)s，按直线递减至 %(z)s 时为0分："
        "(%(z)s − %(a)s) ÷ (%(z)s − %(t)s) × %(w)s = %(s)s 分。"
    ) % {"a": fa, "t": ft, "u": unit, "z": zero_at, "w": w, "s": s}


def deviation_note(result, rules: dict) -> str:
    """The reason an explanation was required, or ``""``."""
    if not result.needs_explanation:
        return ""
    auto = _auto(rules)
    pct = show(auto.deviation_factor * 100) if auto else "130"
    return _("实际完成值达到目标值的 %(pct)s%% 及以上（或目标为0而实际大于0），须说明偏差原因。") % {
        "pct": pct
    }


def action_label(code: str, item: dict | None = None) -> str:
    label = str(ACTION_LABELS.get(code, code))
    ratio = (item or {}).get("reduce_ratio")
    if ratio is not None and code in ("reduce", "reduce_or_cancel"):
        return _("%(label)s %(pct)s%%") % {"label": label, "pct": show(Decimal(str(ratio)) * 100)}
    return label


def line_actions(line, actions: dict) -> list[str]:
    """The suggested action of each group of the line's projects, e.g. “中 1 项：按比例压减 20%”."""
    out = []
    for code, label in Grade.choices:
        n = getattr(line, code)
        if n:
            item = actions.get(code) or {}
            out.append(
                _("%(grade)s %(n)s 项：%(action)s")
                % {"grade": label, "n": n, "action": action_label(item.get("action", ""), item)}
            )
    if line.unevaluated:
        out.append(_("未完成评价 %(n)s 项：按原安排金额结转") % {"n": line.unevaluated})
    if line.terminated:
        out.append(_("已终止 %(n)s 项：不再安排") % {"n": line.terminated})
    return out
