"""The ledger accounts of a project.

- ``fund:{year}:commitment:{number}``  arranged for the project and not yet paid (项目承诺（未拨付）)
- ``fund:{year}:disbursed:{number}``   paid to the implementing unit, less what was recovered

Arrangement moves the item's amount reserved → commitment (一事一议: area → commitment); a payment
moves commitment → disbursed; a termination releases the unpaid commitment → area; a recovery
receipt moves disbursed → pool. So for every project: arranged = paid + unpaid + released, and
disbursed = paid − recovered.
"""

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from techfund.core.enums import AccountKind
from techfund.core.models import Account, Posting
from techfund.core.services import ledger
from techfund.funds.accounts import data_language


def commitment_code(project) -> str:
    return f"fund:{project.fund_year.year}:commitment:{project.number}"


def disbursed_code(project) -> str:
    return f"fund:{project.fund_year.year}:disbursed:{project.number}"


def commitment_account(project) -> Account:
    with data_language():
        name = _("%(number)s %(title)s（项目承诺，未拨付）") % {
            "number": project.number,
            "title": project.title,
        }
    return ledger.open_account(
        commitment_code(project), name=name[:200], kind=AccountKind.COMMITMENT, year=project.fund_year.year
    )


def disbursed_account(project) -> Account:
    with data_language():
        name = _("%(number)s %(title)s（已拨付）") % {"number": project.number, "title": project.title}
    return ledger.open_account(
        disbursed_code(project), name=name[:200], kind=AccountKind.DISBURSED, year=project.fund_year.year
    )


def project_balances(projects) -> dict[int, dict[str, object]]:
    """``{project.pk: {...}}`` from the ledger, in two queries:

    - ``unpaid``     the commitment's balance (arranged, not yet paid nor released);
    - ``disbursed``  the disbursed account's balance (paid less recovered);
    - ``committed``  everything ever posted into the commitment (the arranged amount);
    - ``paid``       everything ever posted into the disbursed account (the payments);
    - ``recovered``  everything that left the disbursed account (recovery receipts);
    - ``released``   what left the commitment other than by payment (released on termination).

    So ``committed = paid + unpaid + released`` and ``disbursed = paid − recovered``.
    """
    projects = list(projects)
    codes = {}
    for p in projects:
        codes[commitment_code(p)] = (p.pk, "commitment")
        codes[disbursed_code(p)] = (p.pk, "disbursed")
    accts = dict(Account.objects.filter(code__in=list(codes)).values_list("code", "pk"))
    rows = {
        r["account_id"]: r
        for r in Posting.objects.filter(account_id__in=list(accts.values()))
        .values("account_id")
        .annotate(
            total=Sum("amount"),
            inflow=Sum("amount", filter=Q(amount__gt=0)),
            outflow=Sum("amount", filter=Q(amount__lt=0)),
        )
    }
    zero = ledger.ZERO
    out = {
        p.pk: {
            "unpaid": zero,
            "disbursed": zero,
            "committed": zero,
            "paid": zero,
            "recovered": zero,
            "released": zero,
        }
        for p in projects
    }
    flows = {}
    for code, (pk, key) in codes.items():
        r = rows.get(accts.get(code), {})
        flows[(pk, key)] = tuple(
            (r.get(k) or zero).quantize(ledger.CENT) for k in ("total", "inflow", "outflow")
        )
    for p in projects:
        c_total, c_in, c_out = flows[(p.pk, "commitment")]
        d_total, d_in, d_out = flows[(p.pk, "disbursed")]
        out[p.pk].update(
            unpaid=c_total,
            disbursed=d_total,
            committed=c_in,
            paid=d_in,
            recovered=-d_out,
            released=-c_out - d_in,
        )
    return out
