"""The ledger accounts of risk compensation (one pool per partner bank per fund year).

- ``fund:{year}:riskpool:{bank}``  the pool's money not yet paid out (风险补偿资金池)
- ``fund:{year}:riskpaid:{bank}``  compensation paid to the bank, less the fund's share of what the
                                   bank recovered afterwards (已代偿)

Movements, each one balanced entry (``code`` in brackets):

- funding and top-up: area → riskpool (``riskpool.funded``, ``riskpool.topped_up``);
- year-end return of the unused balance: riskpool → area (``riskpool.returned_to_area``);
- a claim paid (on the treasury's confirmation): riskpool → riskpaid (``riskpool.claim.paid``);
- a bank recovery: riskpaid → riskpool (``riskpool.recovery.returned``).

So for every pool ``funded = balance + paid − returned``, where funded is the net of fundings, top-ups
and year-end returns, paid the confirmed claim payments and returned the recoveries.
"""

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from techfund.core.enums import AccountKind
from techfund.core.models import Account, Posting
from techfund.core.services import ledger
from techfund.funds.accounts import data_language

FUNDED_CODES = ("riskpool.funded", "riskpool.topped_up", "riskpool.returned_to_area")
PAID_CODE = "riskpool.claim.paid"
RETURNED_CODE = "riskpool.recovery.returned"


def pool_code(year: int, bank) -> str:
    return f"fund:{year}:riskpool:{bank.code}"


def paid_code(year: int, bank) -> str:
    return f"fund:{year}:riskpaid:{bank.code}"


def pool_account(year: int, bank) -> Account:
    with data_language():
        name = _("%(year)s年 %(bank)s风险补偿资金池") % {"year": year, "bank": bank.organisation.name}
    return ledger.open_account(pool_code(year, bank), name=name[:200], kind=AccountKind.RISK_POOL, year=year)


def paid_account(year: int, bank) -> Account:
    with data_language():
        name = _("%(year)s年 %(bank)s已代偿") % {"year": year, "bank": bank.organisation.name}
    return ledger.open_account(
        paid_code(year, bank), name=name[:200], kind=AccountKind.COMPENSATED, year=year
    )


def pool_figures(pools) -> dict[int, dict]:
    """``{pool.pk: {funded, paid, returned, balance, paid_net}}`` from the ledger in one query:

    - ``funded``   net money in from the focus area (fundings + top-ups − year-end returns);
    - ``paid``     claim payments out of the pool;
    - ``returned`` recoveries back into the pool;
    - ``balance``  the pool account's balance (= funded − paid + returned);
    - ``paid_net`` the riskpaid account's balance (= paid − returned).
    """
    pools = list(pools)
    by_account = {}
    for p in pools:
        by_account[p.account_id] = (p.pk, "pool")
        by_account[p.paid_account_id] = (p.pk, "paid")
    zero = ledger.ZERO
    out = {
        p.pk: {"funded": zero, "paid": zero, "returned": zero, "balance": zero, "paid_net": zero}
        for p in pools
    }
    rows = (
        Posting.objects.filter(account_id__in=list(by_account))
        .values("account_id")
        .annotate(
            total=Sum("amount"),
            funded=Sum("amount", filter=Q(entry__code__in=FUNDED_CODES)),
            paid=Sum("amount", filter=Q(entry__code=PAID_CODE)),
            returned=Sum("amount", filter=Q(entry__code=RETURNED_CODE)),
        )
    )
    for r in rows:
        pk, which = by_account[r["account_id"]]
        f = out[pk]
        if which == "pool":
            f["balance"] = (r["total"] or zero).quantize(ledger.CENT)
            f["funded"] = (r["funded"] or zero).quantize(ledger.CENT)
            f["paid"] = -(r["paid"] or zero).quantize(ledger.CENT)
            f["returned"] = (r["returned"] or zero).quantize(ledger.CENT)
        else:
            f["paid_net"] = (r["total"] or zero).quantize(ledger.CENT)
    return out
