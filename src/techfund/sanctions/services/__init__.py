"""The services of this stage — the only code that creates and moves sanction orders, recovery orders
and receipts. Each takes the record and a keyword-only ``actor`` (and ``today=`` for the date of the
act), runs in one transaction, checks permission and scope, checks the transition tables (the
order's and the project's), moves money through the ledger and writes the audit events.
"""

from techfund.sanctions.services._common import Figures, project_figures, recovery_advice
from techfund.sanctions.services.exports import export_register
from techfund.sanctions.services.orders import check_move, decide_sanction, open_order, propose_sanction
from techfund.sanctions.services.recovery import (
    decide_recovery,
    issue_recovery,
    received_on_order,
    record_receipt,
)

__all__ = [
    "Figures",
    "check_move",
    "decide_recovery",
    "decide_sanction",
    "export_register",
    "issue_recovery",
    "open_order",
    "project_figures",
    "propose_sanction",
    "received_on_order",
    "record_receipt",
    "recovery_advice",
]
