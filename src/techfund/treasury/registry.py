"""What a treasury payment is for (its *purpose*), and what happens when the treasury confirms it.

Every support mode pays through the treasury (直通车): the mode's service creates a payment
instruction for one of its records (a grant tranche, an interest-subsidy claim, a risk-compensation
claim, an equity stage, a post-award payment) with ``treasury.services.instruct()``. Nothing is paid
until the treasury's confirmation is imported; then the purpose's ``on_confirmed`` runs in the same
transaction as the import of that row: it posts the ledger entry (and updates the mode's record) and
returns the entry. A returned (rejected) instruction calls ``on_returned`` so the record is payable
again.

Each app registers its purposes in its ``AppConfig.ready()``::

    register(Purpose("interest_subsidy", _("贷款贴息"), on_confirmed=_paid, on_returned=_returned))
"""

from collections.abc import Callable
from dataclasses import dataclass

_PURPOSES: dict[str, "Purpose"] = {}


@dataclass(frozen=True)
class Purpose:
    code: str
    label: object  # a lazy translation
    #: ``on_confirmed(instruction, *, actor, paid_on, treasury_ref) -> JournalEntry``
    on_confirmed: Callable
    #: ``on_returned(instruction, *, actor, reason) -> None`` (optional)
    on_returned: Callable | None = None


def register(purpose: Purpose) -> None:
    existing = _PURPOSES.get(purpose.code)
    if existing is not None and existing != purpose:
        raise RuntimeError(f"treasury purpose {purpose.code!r} registered twice")
    _PURPOSES[purpose.code] = purpose


def purpose(code: str) -> Purpose:
    try:
        return _PURPOSES[code]
    except KeyError as exc:
        raise LookupError(f"unknown treasury purpose {code!r}") from exc


def purposes() -> dict[str, Purpose]:
    return dict(_PURPOSES)
