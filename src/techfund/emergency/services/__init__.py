"""The services of the emergency stage (一事一议) — the only code that changes emergency requests.
Each takes the record and a keyword-only ``actor``, runs in one transaction, checks permission and
scope and the transition table, moves money through the ledger (on approval, via the projects stage)
and writes the audit event."""

from techfund.emergency.services.requests import (
    approve_emergency,
    contract_terms,
    emergency_allowed,
    next_request_number,
    reject_emergency,
    remaining_for_emergency,
    submit_emergency,
)

__all__ = [
    "approve_emergency",
    "contract_terms",
    "emergency_allowed",
    "next_request_number",
    "reject_emergency",
    "remaining_for_emergency",
    "submit_emergency",
]
