"""The ledger accounts of this stage.

- ``fund:{year}:area:{focus}``      the focus area's allocation not yet promised (opened by ``funds``)
- ``fund:{year}:reserved:{focus}``  reserved for items submitted to, and approved by, the leading group
                                    (审定待安排: awaiting the finance bureau's budget arrangement)

A batch going to the leading group moves each item's amount area → reserved; a rejection, the cut of
a modified amount and an upheld objection move it back reserved → area. The area account may not go
negative, so the reservations of an area can never exceed its allocation.
"""

from django.utils.translation import gettext as _

from techfund.core.enums import AccountKind
from techfund.core.models import Account
from techfund.core.services import ledger
from techfund.funds import accounts as fund_accounts


def reserved_code(year: int, focus_area) -> str:
    code = focus_area if isinstance(focus_area, str) else focus_area.code
    return f"fund:{year}:reserved:{code}"


def area_code(year: int, focus_area) -> str:
    return fund_accounts.area_code(year, focus_area)


def area_account(year: int, focus_area) -> Account:
    return fund_accounts.area_account(year, focus_area)


def reserved_account(year: int, focus_area) -> Account:
    with fund_accounts.data_language():
        name = _("%(year)s年 %(area)s（审定待安排）") % {"year": year, "area": focus_area.name}
    return ledger.open_account(
        reserved_code(year, focus_area), name=name, kind=AccountKind.RESERVED, year=year
    )


def balances_by_code(codes) -> dict[str, object]:
    """Ledger balances of the accounts with these codes (zero for an account not opened yet); two queries."""
    accts = dict(Account.objects.filter(code__in=list(codes)).values_list("code", "pk"))
    bals = ledger.balances(accts.values())
    return {code: bals.get(accts[code], ledger.ZERO) if code in accts else ledger.ZERO for code in codes}
