"""The interest-subsidy computation (贷款贴息): plain values in, amounts to the fen out. No database.

    subsidy = Σ over segments  principal × min(actual rate, reference rate) × ratio × days ÷ day basis

then capped, in this order, by the interest actually paid in the period (when the policy says so),
by what is left of the per-enterprise cap (the cap less the enterprise's earlier claims, all years),
and by what is left of the project's commitment. The amount is the smallest of these; ``bound_by``
names the cap that bound it (the first one, in that order, when two bind equally).

Conventions (stated here once, and shown on the claim page):

- **Segments.** The claim period is cut wherever one of the inputs changes: a drawdown or a
  repayment of principal, a change of the reference rate (a new LPR effective date), the loan's
  maturity, and — under the actual day count — the first of January. Each segment has one outstanding
  principal, one reference rate and one day basis.
- **Days.** The claim period runs from its first to its last day, both included. Interest accrues
  from the loan's start to its maturity, the maturity day excluded (算头不算尾); a drawdown accrues
  from its day; principal repaid on a day no longer accrues that day. No subsidy on days after
  maturity (overdue interest is not subsidised) or with nothing outstanding.
- **Day basis.** ``day_count = fixed``: every day is 1/``day_basis`` of a year (360 is the banks'
  usual basis; 365 also occurs). ``day_count = actual``: a day of a leap year is 1/366, any other
  1/365.
- **Rates** are annual percentages (3.10 means 3.10 %). The rate used is min(actual, reference),
  where the reference is the rate of the policy's kind (LPR or the PBOC benchmark) and tenor in force
  on the segment's first day (the latest one whose ``effective_from`` is on or before it). A day with
  no reference rate on file is refused, never defaulted.
- **Tenor.** ``reference_tenor`` 1y or 5y, or ``by_term``: a loan whose term (start to maturity) is
  longer than five years uses the 5-year LPR, any other the 1-year LPR.
- **Rounding.** Each segment's amount is rounded ROUND_HALF_UP to the fen; the gross amount is the sum
  of the rounded segments, so the breakdown adds up exactly. Caps are amounts in fen already.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.subsidies.enums import RateKind, Tenor

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
ONE_DAY = dt.timedelta(days=1)

KINDS = ("lpr", "benchmark")
TENORS = ("1y", "5y")
#: A loan longer than this many years uses the 5-year reference rate under ``by_term``.
LONG_TERM_YEARS = 5
CAP_ORDER = ("interest_paid", "enterprise", "commitment")


def _d(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _missing(key: str) -> ServiceError:
    msg = _("本年度政策配置缺少贷款贴息规则“%(key)s”，请办公室在政策配置中补充后再计算。") % {"key": key}
    return ServiceError(msg, code="policy_incomplete")


@dataclass(frozen=True)
class Policy:
    """The ``interest_subsidy`` rule table of a fund year's profile, as typed values."""

    subsidy_ratio: Decimal
    reference_rate: str = "lpr"
    reference_tenor: str = "1y"
    day_basis: int = 360
    day_count: str = "fixed"
    per_enterprise_cap: Decimal | None = None
    once_per_enterprise: bool = False
    capped_by_interest_paid: bool = True
    paid_after_interest: bool = True

    REQUIRED = (
        "subsidy_ratio",
        "reference_rate",
        "reference_tenor",
        "day_basis",
        "day_count",
        "per_enterprise_cap",
        "once_per_enterprise",
        "capped_by_interest_paid",
        "paid_after_interest",
    )

    @classmethod
    def from_rules(cls, table: Mapping | None) -> Policy:
        """From the rule table as stored in a profile (strings for decimals). Every key must be there:
        a number the policy does not give is refused, never defaulted. ``per_enterprise_cap`` may be
        null (no cap)."""
        table = table or {}
        for key in cls.REQUIRED:
            if key not in table:
                raise _missing(key)
        cap = table["per_enterprise_cap"]
        return cls(
            subsidy_ratio=_d(table["subsidy_ratio"]),
            reference_rate=str(table["reference_rate"]),
            reference_tenor=str(table["reference_tenor"]),
            day_basis=int(table["day_basis"]),
            day_count=str(table["day_count"]),
            per_enterprise_cap=None if cap in (None, "") else _d(cap),
            once_per_enterprise=bool(table["once_per_enterprise"]),
            capped_by_interest_paid=bool(table["capped_by_interest_paid"]),
            paid_after_interest=bool(table["paid_after_interest"]),
        )

    @classmethod
    def of(cls, profile) -> Policy:
        return cls.from_rules(profile.rule("interest_subsidy"))

    def as_dict(self) -> dict:
        out = asdict(self)
        out["subsidy_ratio"] = str(self.subsidy_ratio)
        out["per_enterprise_cap"] = None if self.per_enterprise_cap is None else str(self.per_enterprise_cap)
        return out


@dataclass(frozen=True)
class RatePoint:
    """One row of the reference-rate table: ``rate`` (annual %) in force from ``effective_from``."""

    kind: str
    tenor: str
    effective_from: dt.date
    rate: Decimal


@dataclass(frozen=True)
class Flow:
    on: dt.date
    amount: Decimal


@dataclass(frozen=True)
class LoanTerms:
    principal: Decimal
    annual_rate: Decimal  # %
    start: dt.date
    maturity: dt.date
    drawdowns: tuple[Flow, ...] = ()
    repayments: tuple[Flow, ...] = ()


@dataclass(frozen=True)
class Segment:
    start: dt.date
    end: dt.date  # inclusive
    days: int
    principal: Decimal
    actual_rate: Decimal
    reference_rate: Decimal
    rate_used: Decimal
    ratio: Decimal
    day_basis: int
    amount: Decimal

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
            "principal": str(self.principal),
            "actual_rate": str(self.actual_rate),
            "reference_rate": str(self.reference_rate),
            "rate_used": str(self.rate_used),
            "ratio": str(self.ratio),
            "day_basis": self.day_basis,
            "amount": str(self.amount),
        }


@dataclass(frozen=True)
class Cap:
    code: str  # interest_paid | enterprise | commitment
    limit: Decimal


@dataclass(frozen=True)
class Result:
    segments: tuple[Segment, ...]
    gross: Decimal
    caps: tuple[Cap, ...]
    amount: Decimal
    bound_by: str  # "" when no cap bound the amount
    reference: dict = field(default_factory=dict)  # {"kind": .., "tenor": ..}

    def breakdown(self) -> dict:
        """What the claim stores: every segment, the caps and which one bound the amount."""
        return {
            "segments": [s.as_dict() for s in self.segments],
            "gross": str(self.gross),
            "caps": [{"code": c.code, "limit": str(c.limit)} for c in self.caps],
            "amount": str(self.amount),
            "bound_by": self.bound_by,
            "reference": dict(self.reference),
        }


# ---------------------------------------------------------------------------------------------------


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def tenor_for(policy: Policy, loan: LoanTerms) -> str:
    if policy.reference_tenor in TENORS:
        return policy.reference_tenor
    return "5y" if loan.maturity > add_years(loan.start, LONG_TERM_YEARS) else "1y"


def rate_on(points: Sequence[RatePoint], day: dt.date, *, kind: str, tenor: str) -> RatePoint:
    """The reference rate in force on ``day``; refused (with the day and the rate named) when none is
    on file."""
    candidates = [p for p in points if p.kind == kind and p.tenor == tenor and p.effective_from <= day]
    best = max(candidates, key=lambda p: p.effective_from, default=None)
    if best is None:
        msg = _(
            "%(day)s 没有已登记的%(kind)s（%(tenor)s）：请领导小组办公室先在参考利率表中登记该日适用的利率，再计算贴息。"
        ) % {"day": day.isoformat(), "kind": RateKind(kind).label, "tenor": Tenor(tenor).label}
        raise ServiceError(msg, code="reference_rate_missing")
    return best


def _basis(policy: Policy, day: dt.date) -> int:
    if policy.day_count == "actual":
        return 366 if is_leap(day.year) else 365
    return policy.day_basis


def _outstanding(loan: LoanTerms, day: dt.date) -> Decimal:
    drawn = sum((f.amount for f in loan.drawdowns if f.on <= day), ZERO)
    repaid = sum((f.amount for f in loan.repayments if f.on <= day), ZERO)
    return drawn - repaid


def segments(
    policy: Policy, loan: LoanTerms, rates: Sequence[RatePoint], start: dt.date, end: dt.date
) -> list[Segment]:
    """The claim period ``start``–``end`` (both included) cut into segments, each with its amount."""
    if end < start:
        return []
    first, stop = max(start, loan.start), min(end + ONE_DAY, loan.maturity)  # [first, stop)
    if first >= stop:
        return []
    kind, tenor = policy.reference_rate, tenor_for(policy, loan)
    cuts = {first, stop}
    cuts.update(f.on for f in (*loan.drawdowns, *loan.repayments) if first < f.on < stop)
    cuts.update(
        p.effective_from
        for p in rates
        if p.kind == kind and p.tenor == tenor and first < p.effective_from < stop
    )
    if policy.day_count == "actual":
        cuts.update(dt.date(y, 1, 1) for y in range(first.year + 1, stop.year + 1) if dt.date(y, 1, 1) < stop)
    bounds = sorted(cuts)
    actual = _d(loan.annual_rate)
    ratio = _d(policy.subsidy_ratio)
    raw: list[tuple[dt.date, dt.date, Decimal, Decimal, int]] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        principal = _outstanding(loan, a)
        if principal <= 0:
            continue
        ref = rate_on(rates, a, kind=kind, tenor=tenor).rate
        basis = _basis(policy, a)
        if raw and raw[-1][1] == a and raw[-1][2:] == (principal, ref, basis):
            raw[-1] = (raw[-1][0], b, principal, ref, basis)
        else:
            raw.append((a, b, principal, ref, basis))
    out = []
    for a, b, principal, ref, basis in raw:
        days = (b - a).days
        used = min(actual, _d(ref))
        amount = (principal * used / HUNDRED * ratio * days / basis).quantize(CENT, rounding=ROUND_HALF_UP)
        out.append(Segment(a, b - ONE_DAY, days, principal, actual, _d(ref), used, ratio, basis, amount))
    return out


def compute(
    policy: Policy,
    loan: LoanTerms,
    rates: Sequence[RatePoint],
    start: dt.date,
    end: dt.date,
    *,
    interest_paid: Decimal | None = None,
    enterprise_used: Decimal = ZERO,
    commitment_left: Decimal | None = None,
) -> Result:
    """The subsidy of one claim. ``interest_paid``: the interest the evidence shows paid in the period
    (a cap when ``policy.capped_by_interest_paid``); ``enterprise_used``: the enterprise's earlier
    claims that count against its cap; ``commitment_left``: what the project may still pay (``None``:
    not capped here)."""
    segs = segments(policy, loan, rates, start, end)
    gross = sum((s.amount for s in segs), ZERO)
    caps: list[Cap] = []
    if policy.capped_by_interest_paid and interest_paid is not None:
        caps.append(Cap("interest_paid", _d(interest_paid)))
    if policy.per_enterprise_cap is not None:
        caps.append(Cap("enterprise", max(policy.per_enterprise_cap - _d(enterprise_used), ZERO)))
    if commitment_left is not None:
        caps.append(Cap("commitment", max(_d(commitment_left), ZERO)))
    amount, bound_by = gross, ""
    for cap in caps:  # in CAP_ORDER; the first strictly lower limit binds, a later one only if lower still
        if cap.limit < amount:
            amount, bound_by = cap.limit, cap.code
    return Result(
        segments=tuple(segs),
        gross=gross,
        caps=tuple(caps),
        amount=amount,
        bound_by=bound_by,
        reference={"kind": policy.reference_rate, "tenor": tenor_for(policy, loan)},
    )


def uncovered(
    segs: Iterable[Segment], periods: Iterable[tuple[dt.date, dt.date]]
) -> list[tuple[dt.date, dt.date]]:
    """The runs of subsidised days (days in ``segs``) that no interest-payment period covers, as
    (first, last) pairs: evidence must show the interest of every such day paid."""
    periods = sorted(periods)
    gaps: list[tuple[dt.date, dt.date]] = []
    for s in segs:
        day = s.start
        while day <= s.end:
            covering = [p for p in periods if p[0] <= day <= p[1]]
            if covering:
                day = max(p[1] for p in covering) + ONE_DAY
                continue
            nxt = min((p[0] for p in periods if p[0] > day), default=s.end + ONE_DAY)
            last = min(nxt - ONE_DAY, s.end)
            if gaps and gaps[-1][1] + ONE_DAY == day:
                gaps[-1] = (gaps[-1][0], last)
            else:
                gaps.append((day, last))
            day = last + ONE_DAY
    return gaps
