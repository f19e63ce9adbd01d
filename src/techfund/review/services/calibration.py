"""评分校准: experts score on their own scales (one gives 90 to everything, another 70), so each
review is also read as the expert's z-score and put back on the round's scale.

The rules, as implemented:

- **An expert's sample.** The expert's submitted totals in this round. When that is fewer than the
  policy's ``review.calibration_min_reviews`` (the guard), their submitted totals in every round of
  the same fund year (this one included). When that is still fewer, the expert has no z-score
  (“样本不足”) and their reviews count with their raw total in the calibrated mean.
- **z-score.** (total − the sample's mean) ÷ the sample's standard deviation — population figures
  (÷ n, not n − 1). An expert who gave every review the same total has a deviation of 0: their
  z-scores are 0 (their reviews say nothing about the order, so they sit at the round's mean).
- **Calibrated score of a review.** The round's mean + z × the round's standard deviation (the mean
  and population deviation of every submitted total in the round), clipped to 0–100 and rounded to
  two places half up.
- **Calibrated score of an application** (``RoundResult.calibrated_score``): the plain mean of its
  reviews' calibrated scores (every review, the trimmed ones too), two places half up.
- **As of when.** Samples count only reviews submitted by ``as_of`` (the round's closing time once
  closed), so the figures on the pages of a closed round are those it was closed with, even after
  the same experts review in later rounds.
- Without ``review.calibration_min_reviews`` in the policy, nothing is calibrated.

Adding a constant to all of one expert's totals (or multiplying them by a positive factor) leaves
every z-score as it was: calibration removes exactly the expert's leniency and spread.
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from django.utils import timezone

from techfund.review.enums import AssignmentState
from techfund.review.models import Assignment, ReviewRound
from techfund.review.validation import round2

ZERO = Decimal("0")
HUNDRED = Decimal("100")

#: Where an expert's sample came from.
FROM_ROUND = "round"
FROM_YEAR = "year"


@dataclass(frozen=True)
class Scale:
    """The mean and population standard deviation of some totals."""

    mean: Decimal
    sd: Decimal
    n: int


def scale(values: Iterable[Decimal]) -> Scale | None:
    """Mean and population standard deviation (÷ n) of ``values``; ``None`` for none."""
    values = [Decimal(v) for v in values]
    if not values:
        return None
    with localcontext() as ctx:
        ctx.prec = 28
        n = Decimal(len(values))
        mean = sum(values, ZERO) / n
        variance = sum(((v - mean) ** 2 for v in values), ZERO) / n
        return Scale(mean=mean, sd=variance.sqrt(), n=len(values))


def z_score(value: Decimal, sample: Scale) -> Decimal:
    """How many of the sample's deviations ``value`` lies from its mean (0 when they are all alike)."""
    if sample.sd == 0:
        return ZERO
    with localcontext() as ctx:
        ctx.prec = 28
        return (Decimal(value) - sample.mean) / sample.sd


def on_scale(z: Decimal, reference: Scale) -> Decimal:
    """The z-score put on ``reference``'s scale: mean + z × sd, clipped to 0–100, two places half up."""
    with localcontext() as ctx:
        ctx.prec = 28
        value = reference.mean + z * reference.sd
    return round2(min(max(value, ZERO), HUNDRED))


@dataclass(frozen=True)
class Review:
    """One submitted total: ``key`` names it (an assignment's id), ``expert`` who gave it."""

    key: Hashable
    expert: Hashable
    application: Hashable
    total: Decimal


@dataclass(frozen=True)
class Calibrated:
    """A review with its z-score and calibrated score (its raw total when the sample is too small)."""

    total: Decimal
    z: Decimal | None
    score: Decimal
    #: ``round`` or ``year`` — where the expert's sample came from; "" when it was too small.
    source: str
    #: How many totals the expert's sample holds (the larger of the two, when neither sufficed).
    sample_size: int

    @property
    def insufficient(self) -> bool:
        """样本不足: no z-score; the raw total counts."""
        return self.z is None


@dataclass
class Calibration:
    """The calibration of a round's reviews (``reviews``: key → Calibrated)."""

    min_reviews: int | None
    round_scale: Scale | None = None
    reviews: dict = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.min_reviews is not None

    def get(self, key) -> Calibrated | None:
        return self.reviews.get(key)

    def mean(self, keys: Iterable[Hashable]) -> Decimal | None:
        """The mean calibrated score of these reviews (two places, half up); None when not enabled."""
        scores = [self.reviews[k].score for k in keys if k in self.reviews]
        if not self.enabled or not scores:
            return None
        return round2(sum(scores, ZERO) / len(scores))

    def insufficient(self, keys: Iterable[Hashable]) -> int:
        """How many of these reviews count with their raw total (样本不足)."""
        return sum(1 for k in keys if k in self.reviews and self.reviews[k].insufficient)


def calibrate(
    reviews: Sequence[Review],
    *,
    min_reviews: int | None,
    year_totals: Mapping[Hashable, Sequence[Decimal]] | None = None,
) -> Calibration:
    """Calibrate a round's ``reviews`` (pure: no database).

    ``year_totals`` maps an expert to all their submitted totals in the fund year (this round's
    included); it is read only for experts with fewer than ``min_reviews`` totals in the round."""
    out = Calibration(min_reviews=min_reviews)
    if min_reviews is None or not reviews:
        return out
    out.round_scale = scale(r.total for r in reviews)
    by_expert: dict = defaultdict(list)
    for r in reviews:
        by_expert[r.expert].append(Decimal(r.total))
    samples: dict = {}
    for expert, totals in by_expert.items():
        if len(totals) >= min_reviews:
            samples[expert] = (scale(totals), FROM_ROUND, len(totals))
            continue
        year = list((year_totals or {}).get(expert, ()))
        if len(year) >= min_reviews:
            samples[expert] = (scale(year), FROM_YEAR, len(year))
        else:
            samples[expert] = (None, "", max(len(totals), len(year)))
    for r in reviews:
        sample, source, size = samples[r.expert]
        total = Decimal(r.total)
        if sample is None:
            out.reviews[r.key] = Calibrated(total, None, round2(total), "", size)
        else:
            z = z_score(total, sample)
            out.reviews[r.key] = Calibrated(total, z, on_scale(z, out.round_scale), source, size)
    return out


def min_reviews_of(profile) -> int | None:
    """``review.calibration_min_reviews`` of a policy profile (None when it has none)."""
    value = profile.rule("review.calibration_min_reviews") if profile is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None


def for_round(round_: ReviewRound, *, as_of=None, profile=None) -> Calibration:
    """The calibration of a round's submitted reviews as of ``as_of`` (default: when the round
    closed, else now), with the guard of the call's fund-year profile. Two queries at most."""
    if profile is None:
        profile = round_.call.fund_year.profile
    min_reviews = min_reviews_of(profile)
    as_of = as_of or round_.closed_at or timezone.now()
    submitted = Assignment.objects.filter(state=AssignmentState.SUBMITTED, submitted_at__lte=as_of)
    reviews = [
        Review(key=pk, expert=expert_id, application=application_id, total=total)
        for pk, expert_id, application_id, total in submitted.filter(round=round_)
        .order_by("id")
        .values_list("pk", "expert_id", "application_id", "total")
    ]
    if min_reviews is None or not reviews:
        return calibrate(reviews, min_reviews=min_reviews)
    counts: dict = defaultdict(int)
    for r in reviews:
        counts[r.expert] += 1
    short = [e for e, n in counts.items() if n < min_reviews]
    year_totals: dict = defaultdict(list)
    if short:
        rows = (
            submitted.filter(expert_id__in=short, round__call__fund_year_id=round_.call.fund_year_id)
            .order_by("id")
            .values_list("expert_id", "total")
        )
        for expert_id, total in rows:
            year_totals[expert_id].append(total)
    return calibrate(reviews, min_reviews=min_reviews, year_totals=year_totals)
