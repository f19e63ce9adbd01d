"""以赛代评 prizes by rank: the arithmetic, kept apart from the database so it is easy to check.

A schedule is a list of tiers ``{rank_from, rank_to, name, amount}``: every finalist placed at a
position in ``rank_from..rank_to`` receives ``amount``. The call's own 奖补档次 (``Call.prize_tiers``,
set when the call is published) come first; a call without them uses the policy's
``competition.prizes``.

**Ties.** The review ranks equal scores alike (1, 2, 2, 4): *k* finalists tied at rank *r* occupy
the positions *r … r+k−1*. They share the prizes of those positions equally, to the fen: each gets
the combined amount divided by *k*, rounded down to the fen, and the fens left over (fewer than *k*)
go to the first of them by application number. So the tied finalists' prizes always add up to the
combined prizes of their positions, and the schedule's total does not depend on ties.

E.g. tiers 1st 1,000,000, 2nd–3rd 600,000: two tied first share 1,600,000 → 800,000.00 each; three
tied for three positions worth 100.00 in all → 33.34, 33.33, 33.33.
"""

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Tier:
    rank_from: int
    rank_to: int
    amount: Decimal
    name: str = ""

    def covers(self, position: int) -> bool:
        return self.rank_from <= position <= self.rank_to


@dataclass
class Placing:
    """One finalist's place and prize. ``key`` is whatever the caller uses to name it (an
    application); ``number`` orders ties."""

    key: object
    number: str
    rank: int
    positions: tuple[int, ...] = ()
    prize: Decimal = ZERO
    tier_names: tuple[str, ...] = ()
    tied: int = 1
    #: Extra fens received as the first of a tie.
    remainder: Decimal = ZERO
    notes: list = field(default_factory=list)


def tiers_from(raw) -> list[Tier]:
    """Tiers from a call's ``prize_tiers`` or the policy's ``competition.prizes`` (amounts as text)."""
    out = []
    for t in raw or []:
        out.append(
            Tier(
                rank_from=int(t["rank_from"]),
                rank_to=int(t["rank_to"]),
                amount=Decimal(str(t["amount"]).replace(",", "")).quantize(CENT),
                name=str(t.get("name") or ""),
            )
        )
    return sorted(out, key=lambda t: t.rank_from)


def prize_at(tiers: list[Tier], position: int) -> tuple[Decimal, str]:
    for t in tiers:
        if t.covers(position):
            return t.amount, t.name
    return ZERO, ""


def places(finalists, tiers: list[Tier]) -> list[Placing]:
    """``finalists``: ``(key, number, rank)`` triples (rank as the review gave it, ties sharing a rank).
    Returns one Placing each, by rank then application number, with its prize to the fen."""
    rows = sorted(finalists, key=lambda f: (f[2], f[1]))
    out: list[Placing] = []
    i = 0
    position = 1
    while i < len(rows):
        rank = rows[i][2]
        group = [r for r in rows[i:] if r[2] == rank]
        k = len(group)
        # Positions are counted from the sorted order: with the review's 1, 2, 2, 4 ranks they equal
        # rank … rank+k−1; a ranking with gaps or repeats still gives every finalist one position.
        positions = tuple(range(position, position + k))
        pool = ZERO
        names: list[str] = []
        for p in positions:
            amount, name = prize_at(tiers, p)
            pool += amount
            if amount and name and name not in names:
                names.append(name)
        share = (pool / k).quantize(CENT, rounding=ROUND_DOWN)
        left = pool - share * k
        for j, (key, number, r) in enumerate(group):
            out.append(
                Placing(
                    key=key,
                    number=number,
                    rank=r,
                    positions=positions,
                    prize=share + (left if j == 0 else ZERO),
                    tier_names=tuple(names),
                    tied=k,
                    remainder=left if j == 0 else ZERO,
                )
            )
        i += k
        position += k
    return out


def total(placings) -> Decimal:
    return sum((p.prize for p in placings), ZERO)


def subsidy(eligible: Decimal, ratio: Decimal, *, cap: Decimal | None, arranged: Decimal) -> Decimal:
    """后补助: ``eligible × ratio`` rounded half up to the fen, at most ``cap`` (when set) and the
    arranged amount."""
    from decimal import ROUND_HALF_UP

    value = (Decimal(eligible) * Decimal(ratio)).quantize(CENT, rounding=ROUND_HALF_UP)
    if cap is not None:
        value = min(value, Decimal(cap))
    return min(value, Decimal(arranged))
