"""The aggregate of a round: per application the mean of the submitted weighted totals, the rank
within the focus area, and a recommendation by the city's thresholds (or the defaults).

Thresholds come from the policy profile of the call's fund year — ``review.support_min_score`` and
``review.revised_min_score`` — and default to 80 (建议支持) and 60 (修改后支持): below 60 is 不建议支持.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from techfund.review.enums import AssignmentState, Recommendation, RoundState
from techfund.review.models import ReviewRound, RoundResult
from techfund.review.scopes import visible_results
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


@dataclass
class Tally:
    """What the submitted scores of one application in one round add up to."""

    application: object
    totals: list = field(default_factory=list)
    recommendations: Counter = field(default_factory=Counter)
    score: Decimal = Decimal("0")
    rank: int = 0

    @property
    def reviews(self) -> int:
        return len(self.totals)


def tally(round_: ReviewRound) -> list[Tally]:
    """Each application's submitted totals and their mean (2 places, half up), ranked per focus area."""
    by_app: dict[int, Tally] = {}
    submitted = (
        round_.assignments.filter(state=AssignmentState.SUBMITTED)
        .select_related("application__call")
        .order_by("application_id", "id")
    )
    for a in submitted:
        t = by_app.setdefault(a.application_id, Tally(a.application))
        t.totals.append(a.total)
        t.recommendations[a.recommendation] += 1
    for t in by_app.values():
        t.score = round2(sum(t.totals, Decimal("0")) / len(t.totals))
    return assign_ranks(
        list(by_app.values()),
        score=lambda t: t.score,
        number=lambda t: t.application.number,
        group=lambda t: t.application.call.focus_area_id,
    )


def reasons(t: Tally, recommendation: str, lines: Thresholds) -> str:
    """Why the recommendation, in the data language (stored with the result)."""
    with translation.override(settings.LANGUAGE_CODE):
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
        views = "，".join(
            _("%(label)s %(n)s 份") % {"label": Recommendation(code).label, "n": t.recommendations[code]}
            for code in Recommendation.values
            if t.recommendations.get(code)
        )
        basis = _("（评分线取自政策配置。）") if lines.from_policy else _("（评分线为系统默认值。）")
        few = ""
        if lines.min_reviews and t.reviews < lines.min_reviews:
            few = _("有效评审意见少于政策配置要求的 %(m)s 份。") % {"m": lines.min_reviews}
        return head + line + _("专家建议：%(views)s。") % {"views": views} + few + basis


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
