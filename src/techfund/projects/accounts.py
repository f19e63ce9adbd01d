"""The ledger accounts of a project.

- ``fund:{year}:commitment:{number}``  arranged for the project and not yet paid (项目承诺（未拨付）)
- ``fund:{year}:disbursed:{number}``   paid to the implementing unit, less what was recovered

Arrangement moves the item's amount reserved → commitment (一事一议: area → commitment); a payment
moves commitment → disbursed; a termination releases the unpaid commitment → area; a recovery
receipt moves disbursed → pool. So for every project: arranged = paid + unpaid + released, and
disbursed = paid − recovered.
"""

from django.utils.translation import gettext as _

from techfund.core.enums import AccountKind
from techfund.core.models import Account
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
    """``{project.pk: {"unpaid": …, "disbursed": …}}`` from the ledger, in two queries."""
    projects = list(projects)
    codes = {}
    for p in projects:
        codes[commitment_code(p)] = (p.pk, "unpaid")
        codes[disbursed_code(p)] = (p.pk, "disbursed")
    accts = dict(Account.objects.filter(code__in=list(codes)).values_list("code", "pk"))
    bals = ledger.balances(accts.values())
    out = {p.pk: {"unpaid": ledger.ZERO, "disbursed": ledger.ZERO} for p in projects}
    for code, (pk, key) in codes.items():
        if code in accts:
            out[pk][key] = bals.get(accts[code], ledger.ZERO)
    return out
