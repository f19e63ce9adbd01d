"""The ledger accounts of one fund year.

Account codes name the money's place in the fund, so an auditor reading the ledger alone can follow it:

- ``fund:{year}:source:{source_code}:{level}``  where the money came from (runs negative by design)
- ``fund:{year}:pool``                           pooled and not yet allocated (未分配)
- ``fund:{year}:area:{focus_code}``              allocated to a focus area, not yet committed

Names are written in the source language (Chinese), whatever language the actor uses: they are data.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from techfund.core.enums import AccountKind, Level
from techfund.core.models import Account
from techfund.core.services import ledger


def source_code(year: int, source_type, level: str) -> str:
    return f"fund:{year}:source:{source_type.code}:{level}"


def pool_code(year: int) -> str:
    return f"fund:{year}:pool"


def area_code(year: int, focus_area) -> str:
    code = focus_area if isinstance(focus_area, str) else focus_area.code
    return f"fund:{year}:area:{code}"


def area_prefix(year: int) -> str:
    return f"fund:{year}:area:"


def source_prefix(year: int) -> str:
    return f"fund:{year}:source:"


def source_account(year: int, source_type, level: str) -> Account:
    with translation.override(settings.LANGUAGE_CODE):
        name = _("%(year)s年 %(source)s（%(level)s）") % {
            "year": year,
            "source": source_type.name,
            "level": Level(level).label,
        }
    return ledger.open_account(
        source_code(year, source_type, level), name=name, kind=AccountKind.SOURCE, year=year
    )


def pool_account(year: int) -> Account:
    with translation.override(settings.LANGUAGE_CODE):
        name = _("%(year)s年 市级科技创新发展资金池（未分配）") % {"year": year}
    return ledger.open_account(pool_code(year), name=name, kind=AccountKind.POOL, year=year)


def area_account(year: int, focus_area) -> Account:
    with translation.override(settings.LANGUAGE_CODE):
        name = _("%(year)s年 %(area)s（领域配置）") % {"year": year, "area": focus_area.name}
    return ledger.open_account(area_code(year, focus_area), name=name, kind=AccountKind.AREA, year=year)


def pool_balance(year: int):
    """The pool's unallocated balance, derived from the ledger (zero before any contribution)."""
    acct = Account.objects.filter(code=pool_code(year)).first()
    return ledger.balance(acct) if acct else ledger.ZERO


def data_language():
    """Text stored as data (account names, ledger memos) is written in the source language."""
    return translation.override(settings.LANGUAGE_CODE)
