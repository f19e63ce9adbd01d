"""The ledger accounts equity adds to a project's two (``projects.accounts``):

- ``fund:{year}:written_off:{number}``  paid money written off: a failed 先投后股 (without blame) or
  the loss of an exit below the money invested (已核销);
- ``fund:{year}:income:equity``         the fund's investment income: the outside source of exit gains
  (投资收益; runs negative by design, like a fund source).

An exit moves the principal disbursed → ``fund:{year}:pool`` (back to the fund, like a recovery), the
gain income → pool, and a loss disbursed → written off. So for every investment
invested = held (the disbursed balance) + returned principal + written off.
"""

from django.utils.translation import gettext as _

from techfund.core.enums import AccountKind
from techfund.core.models import Account
from techfund.core.services import ledger
from techfund.funds.accounts import data_language


def written_off_code(project) -> str:
    return f"fund:{project.fund_year.year}:written_off:{project.number}"


def income_code(year: int) -> str:
    return f"fund:{year}:income:equity"


def written_off_account(project) -> Account:
    with data_language():
        name = _("%(number)s %(title)s（已核销）") % {"number": project.number, "title": project.title}
    return ledger.open_account(
        written_off_code(project), name=name[:200], kind=AccountKind.WRITTEN_OFF, year=project.fund_year.year
    )


def income_account(year: int) -> Account:
    with data_language():
        name = _("%(year)s年 股权投资收益") % {"year": year}
    return ledger.open_account(
        income_code(year), name=name, kind=AccountKind.INCOME, year=year, may_go_negative=True
    )
