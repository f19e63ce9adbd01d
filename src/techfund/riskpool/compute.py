"""The computations of risk compensation, as pure functions of the policy's ``risk_compensation``
table (``profile.rule("risk_compensation")``) and the claim's figures. No literals: every ratio and
cap is the policy's.

Compensation of a principal loss ``L`` (rounded ROUND_HALF_UP to the fen at each step):

1. share = the base ratio by guarantee type (``ratio_credit`` for credit loans and IP-pledged loans,
   ``ratio_guaranteed`` for guaranteed loans) + ``bonus_first_or_ip`` when the loan is the borrower's
   first loan or is IP-pledged (one bonus, never two);
2. computed = L × share;
3. the public cap: every public fund together compensates at most
   L × min(``max_total_share``, 1 − ``bank_min_share``), so the fund pays at most that less what other
   public funds compensate on the same loss (``other_public``);
4. the per-enterprise cap: the borrower's compensations together stay within
   ``per_enterprise_compensation_cap``;
5. compensation = the least of 2–4 (never below zero). The pool's available balance is then checked
   by the services: a pool that cannot pay refuses the claim with the numbers (it is not cut).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from techfund.riskpool.enums import GuaranteeType

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def fen(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def dec(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def claim_share(rules: dict, *, guarantee_type: str, first_loan: bool) -> Decimal:
    """The ratio of the loss the fund compensates before caps."""
    base = dec(
        rules["ratio_guaranteed"] if guarantee_type == GuaranteeType.GUARANTEED else rules["ratio_credit"]
    )
    if first_loan or guarantee_type == GuaranteeType.IP_PLEDGE:
        base += dec(rules["bonus_first_or_ip"])
    return base


def public_cap_ratio(rules: dict) -> Decimal:
    """The most every public fund together may compensate, as a share of the loss: the policy's total
    cap, and never more than what leaves the bank its minimum share."""
    return min(dec(rules["max_total_share"]), Decimal(1) - dec(rules["bank_min_share"]))


@dataclass
class Compensation:
    share: Decimal
    computed: Decimal
    public_cap: Decimal
    enterprise_left: Decimal
    amount: Decimal
    #: Which limit decided the amount: "ratio", "public_cap" or "enterprise_cap".
    bound_by: str
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "share": str(self.share),
            "computed": str(self.computed),
            "public_cap": str(self.public_cap),
            "enterprise_left": str(self.enterprise_left),
            "amount": str(self.amount),
            "bound_by": self.bound_by,
        }


def compensation(
    rules: dict,
    *,
    loss,
    guarantee_type: str,
    first_loan: bool,
    other_public=ZERO,
    enterprise_compensated=ZERO,
) -> Compensation:
    loss, other_public, enterprise_compensated = dec(loss), dec(other_public), dec(enterprise_compensated)
    share = claim_share(rules, guarantee_type=guarantee_type, first_loan=first_loan)
    computed = fen(loss * share)
    public_cap = max(fen(loss * public_cap_ratio(rules)) - other_public, ZERO)
    enterprise_left = max(dec(rules["per_enterprise_compensation_cap"]) - enterprise_compensated, ZERO)
    amount, bound_by = computed, "ratio"
    if public_cap < amount:
        amount, bound_by = public_cap, "public_cap"
    if enterprise_left < amount:
        amount, bound_by = enterprise_left, "enterprise_cap"
    return Compensation(share, computed, public_cap, enterprise_left, amount, bound_by)


def bound_label(result: Compensation) -> str:
    return {
        "ratio": _("按补偿比例计算"),
        "public_cap": _("受各方财政补偿合计上限限制"),
        "enterprise_cap": _("受每家企业累计补偿上限限制"),
    }[result.bound_by]


def recovery_share(*, recovered, loss, compensation, returned_before=ZERO) -> Decimal:
    """The fund's share of ``recovered``: recovered × compensation ÷ loss (the share the fund bore of
    the loss), ROUND_HALF_UP to the fen, and never more than what the fund paid less what already
    came back."""
    recovered, loss, compensation = dec(recovered), dec(loss), dec(compensation)
    share = fen(recovered * compensation / loss)
    return min(share, compensation - dec(returned_before))
