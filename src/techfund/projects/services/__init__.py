"""The services of the project stage — the only code that creates projects, contracts and payments.
Each takes the record and a keyword-only ``actor``, runs in one transaction, checks permission and
scope, checks the transition tables, moves money through the ledger and writes the audit event."""

from techfund.projects.services.arrangement import (
    arrange_item,
    confirm_statutory_approval,
    create_emergency_project,
    next_number,
)
from techfund.projects.services.contracts import generate_contract, sign_contract, tranche_plan
from techfund.projects.services.payments import paid_on_tranche, pay_tranche

__all__ = [
    "arrange_item",
    "confirm_statutory_approval",
    "create_emergency_project",
    "generate_contract",
    "next_number",
    "paid_on_tranche",
    "pay_tranche",
    "sign_contract",
    "tranche_plan",
]
