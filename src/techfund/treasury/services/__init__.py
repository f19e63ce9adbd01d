"""The treasury (直通车) services — the only code that creates payment instructions, batches and
imports the treasury's confirmations. Each runs in one transaction, checks permission and scope,
and writes the audit event; money moves only when a confirmation is imported (the purpose's
``on_confirmed`` posts the ledger entry in that transaction)."""

from techfund.treasury.services.accounts import account_problems, record_account, verify_account
from techfund.treasury.services.batches import batch_rows, create_batch, export_batch, payment_file
from techfund.treasury.services.confirmations import (
    classify,
    import_confirmations,
    parse_confirmations,
    preview_confirmations,
)
from techfund.treasury.services.instructions import (
    active_account,
    cancel_instruction,
    confirmed_amount,
    instruct,
    instructions_for,
    pending_amount,
    pending_for_project,
)
from techfund.treasury.services.reconcile import reconcile_batch, reconciliation_xlsx

__all__ = [
    "account_problems",
    "active_account",
    "batch_rows",
    "cancel_instruction",
    "classify",
    "confirmed_amount",
    "create_batch",
    "export_batch",
    "import_confirmations",
    "instruct",
    "instructions_for",
    "parse_confirmations",
    "payment_file",
    "pending_amount",
    "pending_for_project",
    "preview_confirmations",
    "reconcile_batch",
    "reconciliation_xlsx",
    "record_account",
    "verify_account",
]
