"""The aggregate of a round: per application the mean of the submitted weighted totals, the rank
within the focus area, and a recommendation by the city's thresholds (or the defaults).

Thresholds come from the policy profile of the call's fund year — ``review.support_min_score`` and
``review.revised_min_score`` — and default to 80 (建议支持) and 60 (修改后支持): below 60 is 不建议支持.

How the scores of one application are read (figures from the same profile's ``review`` table):

- **score** (综合得分, the one that ranks and recommends): the mean of the submitted totals; with at
  least ``review.trim_min_scores`` totals, one highest and one lowest are dropped first (``trimmed``).
  Two places, half up.
- **spread** (评分极差): highest minus lowest submitted total; above ``review.disagreement_spread`` it
  is a **disagreement** and the application goes on the meeting's agenda (``disputed(round_)``).
- **calibrated_score** (校准后得分): the mean of the reviews' calibrated scores (``calibration``).
- A rule missing from the policy is not applied (no trimming, no disagreement, no calibration).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from techfund.core.errors import ServiceError
from techfund.core.exporters import SHANGHAI, role_label
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes
from techfund.review.enums import AssignmentState, Recommendation, ResultBasis, RoundState
from techfund.review.models import Assignment, ReviewRound, RoundResult
from techfund.review.scopes import visible_results, visible_rounds
from techfund.review.services import calibration
from techfund.review.validation import fmt_score, round2

DEFAULT_SUPPORT_MIN = Decimal("80")
DEFAULT_REVISED_MIN = Decimal("60")


@dataclass(frozen=True)
class Thresholds:
    support_min: Decimal = DEFAULT_SUPPORT_MIN
    revised_min: Decimal = DEFAULT_REVISED_MIN
    from_policy: bool = False
    #: ``review.min_valid_opinions`` of the policy (NSFC: 3): fewer is noted in the reasons, not refused.
    min_reviews: int | None = None


def thresholds(profile) -> Thresholds:
    """The recommendation lines of a policy profile's ``review`` table, else the defaults."""
    rule = profile.rule if profile is not None else (lambda path, default=None: default)
    support, revised = rule("review.support_min_score"), rule("review.revised_min_score")
    min_reviews = rule("review.min_valid_opinions")
    min_reviews = min_reviews if isinstance(min_reviews, int) and not isinstance(min_reviews, bool) else None
    if support is None and revised is None:
        return Thresholds(min_reviews=min_reviews)
    support = Decimal(str(support)) if support is not None else DEFAULT_SUPPORT_MIN
    revised = Decimal(str(revised)) if revised is not None else DEFAULT_REVISED_MIN
    return Thresholds(support, min(revised, support), True, min_reviews)


def recommend(score: Decimal, lines: Thresholds) -> Recommendation:
    if score >= lines.support_min:
        return Recommendation.SUPPORT
    if score >= lines.revised_min:
        return Recommendation.SUPPORT_REVISED
    return Recommendation.NOT_SUPPORT


def assign_ranks(rows, *, score, number, group=lambda r: None, attr: str = "rank") -> list:
    """Rank rows by score (highest first) within each group; equal scores share a rank (1, 2, 2, 4),
    and rows of equal score are listed by application number."""
    groups = defaultdict(list)
    for row in rows:
        groups[group(row)].append(row)
    out = []
    for members in groups.values():
        members.sort(key=lambda r: (-score(r), number(r)))
        previous, rank = None, 0
        for i, row in enumerate(members, start=1):
            if score(row) != previous:
                rank, previous = i, score(row)
            setattr(row, attr, rank)
        out.extend(members)
    return out


@dataclass(frozen=True)
class ScoringRules:
    """The policy's ``review`` figures that shape a round's scores (None: the rule is not applied)."""

    #: ``review.trim_min_scores``: with at least this many totals, the highest and lowest are dropped.
    trim_min: int | None = None
    #: ``review.disagreement_spread``: a spread above it is a disagreement (the meeting reconsiders).
    spread_limit: Decimal | None = None
    #: ``review.calibration_min_reviews``: the guard of the per-expert calibration.
    calibration_min: int | None = None


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def scoring_rules(profile) -> ScoringRules:
    """The trimming, disagreement and calibration figures of a policy profile's ``review`` table."""
    rule = profile.rule if profile is not None else (lambda path, default=None: default)
    limit = rule("review.disagreement_spread")
    try:
        limit = Decimal(str(limit)) if limit is not None and not isinstance(limit, bool) else None
    except InvalidOperation:
        limit = None
    trim = _int(rule("review.trim_min_scores"))
    return ScoringRules(
        trim_min=trim if trim is not None and trim >= 3 else None,
        spread_limit=limit if limit is not None and limit.is_finite() else None,
        calibration_min=calibration.min_reviews_of(profile),
    )


def trimmed_mean(totals, trim_min: int | None) -> tuple[Decimal, bool]:
    """The mean of ``totals`` (two places, half up) — without one highest and one lowest when there
    are at least ``trim_min`` of them. Returns (mean, whether trimmed)."""
    values = sorted(Decimal(t) for t in totals)
    trimmed = trim_min is not None and len(values) >= trim_min and len(values) >= 3
    if trimmed:
        values = values[1:-1]
    return round2(sum(values, Decimal("0")) / len(values)), trimmed


def spread(totals) -> Decimal:
    """Highest minus lowest total (0 for a single one)."""
    values = [Decimal(t) for t in totals]
    return round2(max(values) - min(values)) if values else Decimal("0.00")


def is_disagreement(value: Decimal | None, limit: Decimal | None) -> bool:
    """A spread strictly above the policy's threshold."""
    return value is not None and limit is not None and value > limit


@dataclass
class Tally:
    """What the submitted scores of one application in one round add up to."""

    application: object
    totals: list = field(default_factory=list)
    #: The assignments' ids, in the order of ``totals``.
    keys: list = field(default_factory=list)
    recommendations: Counter = field(default_factory=Counter)
    #: The ranked score: the trimmed mean when trimmed, else the plain mean.
    score: Decimal = Decimal("0")
    raw_mean: Decimal = Decimal("0")
    trimmed: bool = False
    spread: Decimal = Decimal("0")
    disagreement: bool = False
    calibrated: Decimal | None = None
    #: How many reviews count with their raw total in ``calibrated`` (the expert's sample was too small).
    uncalibrated: int = 0
    rank: int = 0

    @property
    def reviews(self) -> int:
        return len(self.totals)

    @property
    def highest(self) -> Decimal:
        return max(self.totals)

    @property
    def lowest(self) -> Decimal:
        return min(self.totals)


def tally(
    round_: ReviewRound,
    *,
    rules: ScoringRules | None = None,
    calibrated: "calibration.Calibration | None" = None,
) -> list[Tally]:
    """Each application's submitted totals: the plain mean, the trimmed mean (the score that ranks),
    the spread and disagreement, and the calibrated mean; ranked per focus area.

    ``rules`` and ``calibrated`` default to the call's fund-year policy and the round's calibration
    as of now (``close_round`` passes both)."""
    if rules is None:
        rules = scoring_rules(round_.call.fund_year.profile)
    if calibrated is None:
        calibrated = calibration.for_round(round_)
    by_app: dict[int, Tally] = {}
    submitted = (
        round_.assignments.filter(state=AssignmentState.SUBMITTED)
        .select_related("application__call")
        .order_by("application_id", "id")
    )
    for a in submitted:
        t = by_app.setdefault(a.application_id, Tally(a.application))
        t.totals.append(a.total)
        t.keys.append(a.pk)
        t.recommendations[a.recommendation] += 1
    for t in by_app.values():
        t.raw_mean = round2(sum(t.totals, Decimal("0")) / len(t.totals))
        t.score, t.trimmed = trimmed_mean(t.totals, rules.trim_min)
        t.spread = spread(t.totals)
        t.disagreement = is_disagreement(t.spread, rules.spread_limit)
        t.calibrated = calibrated.mean(t.keys)
        t.uncalibrated = calibrated.insufficient(t.keys) if calibrated.enabled else 0
    return assign_ranks(
        list(by_app.values()),
        score=lambda t: t.score,
        number=lambda t: t.application.number,
        group=lambda t: t.application.call.focus_area_id,
    )


def reasons(t: Tally, recommendation: str, lines: Thresholds, rules: ScoringRules | None = None) -> str:
    """Why the recommendation, in the data language (stored with the result): the score and how it
    was reached (trimmed or not), the lines, the spread and any disagreement, the calibrated score,
    the experts' recommendations."""
    rules = rules or ScoringRules()
    with translation.override(settings.LANGUAGE_CODE):
        if t.trimmed:
            head = _(
                "综合得分 %(score)s 分（%(n)s 份有效评审意见，去掉一个最高分 %(hi)s 分和一个最低分 %(lo)s 分"
                "后的平均分，原始平均分 %(raw)s 分；领域内排名第 %(rank)s 位）"
            ) % {
                "score": fmt_score(t.score),
                "n": t.reviews,
                "hi": fmt_score(t.highest),
                "lo": fmt_score(t.lowest),
                "raw": fmt_score(t.raw_mean),
                "rank": t.rank,
            }
        else:
            head = _("综合得分 %(score)s 分（%(n)s 份有效评审意见，领域内排名第 %(rank)s 位）") % {
                "score": fmt_score(t.score),
                "n": t.reviews,
                "rank": t.rank,
            }
        support, revised = fmt_score(lines.support_min), fmt_score(lines.revised_min)
        if recommendation == Recommendation.SUPPORT:
            line = _("，不低于建议支持线 %(s)s 分。") % {"s": support}
        elif recommendation == Recommendation.SUPPORT_REVISED:
            line = _("，不低于修改后支持线 %(r)s 分、低于建议支持线 %(s)s 分。") % {
                "r": revised,
                "s": support,
            }
        else:
            line = _("，低于修改后支持线 %(r)s 分。") % {"r": revised}
        spread_text = ""
        if t.reviews >= 2:
            values = {"spread": fmt_score(t.spread), "limit": fmt_score(rules.spread_limit)}
            if t.disagreement:
                spread_text = (
                    _("评分极差 %(spread)s 分，超过分歧阈值 %(limit)s 分，评分分歧较大，提交会议论证。")
                    % values
                )
            elif rules.spread_limit is not None:
                spread_text = _("评分极差 %(spread)s 分，未超过分歧阈值 %(limit)s 分。") % values
            else:
                spread_text = _("评分极差 %(spread)s 分。") % values
        calibrated_text = ""
        if t.calibrated is not None:
            if t.uncalibrated:
                calibrated_text = _(
                    "校准后得分 %(c)s 分（其中 %(k)s 份意见的专家评分样本不足 %(m)s 份，按原始分计入）。"
                ) % {"c": fmt_score(t.calibrated), "k": t.uncalibrated, "m": rules.calibration_min}
            else:
                calibrated_text = _("校准后得分 %(c)s 分。") % {"c": fmt_score(t.calibrated)}
        views = "，".join(
            _("%(label)s %(n)s 份") % {"label": Recommendation(code).label, "n": t.recommendations[code]}
            for code in Recommendation.values
            if t.recommendations.get(code)
        )
        basis = _("（评分线取自政策配置。）") if lines.from_policy else _("（评分线为系统默认值。）")
        few = ""
        if lines.min_reviews and t.reviews < lines.min_reviews:
            few = _("有效评审意见少于政策配置要求的 %(m)s 份。") % {"m": lines.min_reviews}
        return (
            head
            + line
            + spread_text
            + calibrated_text
            + _("专家建议：%(views)s。") % {"views": views}
            + few
            + basis
        )


def disputed(round_: ReviewRound) -> list[RoundResult]:
    """The results of a round whose scores disagree (spread above ``review.disagreement_spread``):
    the applications the meeting review takes up. Best first, ties by application number."""
    return list(
        RoundResult.objects.filter(round=round_, disagreement=True)
        .select_related("application", "round")
        .order_by("rank", "application__number")
    )


def raw_means(round_: ReviewRound) -> dict[int, Decimal]:
    """Application id → the plain mean of its submitted totals in the round (one query)."""
    totals: dict[int, list] = defaultdict(list)
    rows = round_.assignments.filter(state=AssignmentState.SUBMITTED).values_list("application_id", "total")
    for application_id, total in rows:
        totals[application_id].append(total)
    return {k: round2(sum(v, Decimal("0")) / len(v)) for k, v in totals.items()}


def with_raw_means(round_: ReviewRound | None, rows) -> list[RoundResult]:
    """The rows, each with ``raw_mean``: the plain mean of its submitted totals (None when the
    result did not come from scores). ``round_``: the rows' round, or None for rows of any rounds
    (e.g. one application's results in every round). One query."""
    rows = list(rows)
    if round_ is not None:
        means = {(round_.pk, k): v for k, v in raw_means(round_).items()}
    else:
        totals: dict[tuple, list] = defaultdict(list)
        submitted = Assignment.objects.filter(
            state=AssignmentState.SUBMITTED,
            round_id__in={r.round_id for r in rows},
            application_id__in={r.application_id for r in rows},
        ).values_list("round_id", "application_id", "total")
        for round_id, application_id, total in submitted:
            totals[(round_id, application_id)].append(total)
        means = {k: round2(sum(v, Decimal("0")) / len(v)) for k, v in totals.items()}
    for r in rows:
        key = (r.round_id, r.application_id)
        r.raw_mean = means.get(key) if r.basis == ResultBasis.SCORES else None
    return rows


def results(round_: ReviewRound, *, user=None) -> QuerySet[RoundResult]:
    """A round's results, best first (ties by application number). With ``user``, only what they may see."""
    if user is not None:
        qs = visible_results(user).filter(round=round_)
    else:
        qs = RoundResult.objects.filter(round=round_)
    return qs.select_related("application", "round").order_by("rank", "application__number")


def ranking(fund_year, focus_area, *, user=None) -> list[RoundResult]:
    """The ranking of a focus area in a fund year: each application's result in its latest closed
    round (a later round supersedes an earlier one; the earlier stays on record), ranked again across
    the area's calls. Each result carries ``area_rank``. ``focus_area`` is a FocusArea or its code.

    With ``user``, only the rows they may see — ranked among all rows, so a department officer sees
    their applications' true places."""
    if isinstance(focus_area, str):
        focus_area = fund_year.profile.focus_areas.get(code=focus_area)
    qs = (
        RoundResult.objects.filter(
            round__state=RoundState.CLOSED,
            round__call__fund_year=fund_year,
            round__call__focus_area=focus_area,
        )
        .select_related("application__organisation", "round__call")
        .order_by("application_id", "-round__closed_at", "-round__sequence", "-round_id")
    )
    latest: dict[int, RoundResult] = {}
    for r in qs:
        latest.setdefault(r.application_id, r)
    ranked = assign_ranks(
        list(latest.values()),
        score=lambda r: r.score,
        number=lambda r: r.application.number,
        attr="area_rank",
    )
    if user is None:
        return ranked
    visible = set(visible_results(user).filter(pk__in=[r.pk for r in ranked]).values_list("pk", flat=True))
    return [r for r in ranked if r.pk in visible]


# ---------------------------------------------------------------- the Excel export of a round's results

RESULT_COLUMNS = (
    (gettext_lazy("领域排名"), 10),
    (gettext_lazy("申报编号"), 14),
    (gettext_lazy("项目名称"), 36),
    (gettext_lazy("申报单位"), 28),
    (gettext_lazy("结论依据"), 10),
    (gettext_lazy("综合得分"), 10),
    (gettext_lazy("原始平均分"), 12),
    (gettext_lazy("去掉最高最低分"), 14),
    (gettext_lazy("校准后得分"), 12),
    (gettext_lazy("评分极差"), 10),
    (gettext_lazy("评分分歧"), 10),
    (gettext_lazy("有效评审数"), 10),
    (gettext_lazy("评审结论"), 12),
    (gettext_lazy("理由"), 60),
)
SCORE_FORMAT = "0.00"


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str


def _cell_score(value):
    return float(value) if value is not None else ""


def export_results(round_: ReviewRound, *, actor) -> Export:
    """An xlsx of a closed round's results (score, plain mean, trimming, calibrated score, spread and
    disagreement, reviews, recommendation, reasons) with a cover sheet; the export is audited."""
    role = require(actor, "review.export_results", round_, visible=visible_rounds(actor))
    if round_.state != RoundState.CLOSED:
        raise ServiceError(
            _("“%(name)s”尚未结束，还没有评审结果可导出。") % {"name": round_.name}, code="round_not_closed"
        )
    rows = with_raw_means(round_, results(round_).select_related("application__organisation"))
    rules = scoring_rules(round_.call.fund_year.profile)
    yes, no = _("是"), _("否")
    wb = Workbook(write_only=True)
    ws = add_data_sheet(wb, _("评审结果"), RESULT_COLUMNS, freeze="C2")
    for r in rows:
        values = [
            r.rank,
            r.application.number,
            r.application.title,
            r.application.organisation.name,
            r.get_basis_display(),
            _cell_score(r.score),
            _cell_score(r.raw_mean),
            yes if r.trimmed else no,
            _cell_score(r.calibrated_score),
            _cell_score(r.spread),
            yes if r.disagreement else no,
            r.reviews,
            r.get_recommendation_display(),
            r.reasons,
        ]
        cells = [cell(ws, v) for v in values]
        for i in (5, 6, 8, 9):
            if values[i] != "":
                cells[i].number_format = SCORE_FORMAT
        ws.append(cells)
    now = timezone.localtime(timezone.now(), SHANGHAI)
    off = _("未配置，不适用")
    cover = [
        (_("评审轮次"), f"{round_.call.code} {round_.call.title} · {round_.sequence}. {round_.name}"),
        (_("评审方式"), round_.get_method_display()),
        (
            _("结束时间（北京时间）"),
            timezone.localtime(round_.closed_at, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
        ),
        (_("导出人"), f"{actor.get_username()}（{actor}）"),
        (_("导出身份"), role_label(role)),
        (_("导出时间（北京时间）"), now.strftime("%Y-%m-%d %H:%M:%S")),
        (
            _("口径"),
            _(
                "综合得分为各专家加权得分的平均分（评分不少于 %(trim)s 份时去掉一个最高分和一个最低分），"
                "用于排名和评审结论；原始平均分不去分；评分极差为最高分与最低分之差，超过 %(spread)s 分为"
                "评分分歧，提交会议论证；校准后得分为各专家评分按其本人评分尺度标准化后换算到本轮尺度的平均分，"
                "专家本人评审不足 %(cal)s 份时按原始分计入。"
            )
            % {
                "trim": rules.trim_min if rules.trim_min is not None else off,
                "spread": fmt_score(rules.spread_limit) if rules.spread_limit is not None else off,
                "cal": rules.calibration_min if rules.calibration_min is not None else off,
            },
        ),
    ]
    add_cover_sheet(wb, cover, count=len(rows))
    content = workbook_bytes(wb)
    with transaction.atomic():
        audit.record(
            "review.results.exported",
            actor=actor,
            role=role,
            target=round_,
            data={"rows": len(rows), "disputed": sum(1 for r in rows if r.disagreement)},
        )
    return Export(
        content=content,
        rows=len(rows),
        filename=f"review-results-{round_.call.code}-{round_.sequence}-{now:%Y%m%d-%H%M%S}.xlsx",
    )


# ---------------------------------------------------------------- what an expert sees of the others


def peer_label(i: int) -> str:
    """专家A, 专家B, … 专家Z, 专家27, … (the i-th other expert, from 0)."""
    mark = chr(ord("A") + i) if i < 26 else str(i + 1)
    return _("专家%(mark)s") % {"mark": mark}


def peer_scores(assignment) -> list[dict]:
    """The other experts' submitted totals on the same application in the same round, anonymised
    (专家A, 专家B, … by total, highest first): only once this expert has submitted their own, and
    never names, per-criterion scores or comments. Before that: nothing."""
    if assignment.state != AssignmentState.SUBMITTED:
        return []
    others = (
        Assignment.objects.filter(
            round_id=assignment.round_id,
            application_id=assignment.application_id,
            state=AssignmentState.SUBMITTED,
        )
        .exclude(pk=assignment.pk)
        .order_by("-total", "submitted_at", "id")
        .values_list("total", "recommendation")
    )
    return [
        {
            "label": peer_label(i),
            "total": total,
            "recommendation": recommendation,
            "recommendation_label": Recommendation(recommendation).label if recommendation else "",
        }
        for i, (total, recommendation) in enumerate(others)
    ]
