"""The services of the project stage — the only code that creates projects, contracts and payments.
Each takes the record and a keyword-only ``actor``, runs in one transaction, checks permission and
scope, checks the transition tables, moves money through the ledger and writes the audit event."""

from techfund.projects.services.arrangement import (
    arrange_item,
    arrange_items,
    confirm_statutory_approval,
    create_emergency_project,
    next_number,
    not_arrangeable_reason,
)
from techfund.projects.services.contracts import (
    clean_milestones,
    clean_targets,
    default_terms,
    generate_contract,
    side_of,
    sign_contract,
    tranche_plan,
)
from techfund.projects.services.exports import export_projects
from techfund.projects.services.payments import instruct_tranche, paid_on_tranche, pay_tranche

__all__ = [
    "arrange_item",
    "arrange_items",
    "clean_milestones",
    "clean_targets",
    "confirm_statutory_approval",
    "create_emergency_project",
    "default_terms",
    "export_projects",
    "generate_contract",
    "instruct_tranche",
    "next_number",
    "not_arrangeable_reason",
    "paid_on_tranche",
    "pay_tranche",
    "side_of",
    "sign_contract",
    "tranche_plan",
]
