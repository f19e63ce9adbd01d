"""The services of 贷款贴息 — the only code that creates and moves loans, their records, claims and
the reference-rate table. Each takes a keyword-only ``actor`` (and ``today=`` for the date of the
act), runs in one transaction, checks permission and scope, and writes the audit events; the
payment moves money only when the treasury confirms it (``on_confirmed``)."""

from techfund.subsidies.services.claims import (
    PURPOSE,
    Evaluation,
    approve_claim,
    commitment_left,
    earlier_claim,
    enterprise_used,
    evaluate,
    file_claim,
    instruct_claim,
    on_confirmed,
    on_returned,
    preview,
    projects_open_for,
    submit_claim,
    verify_claim,
)
from techfund.subsidies.services.exports import export_claims
from techfund.subsidies.services.loans import (
    drawn,
    record_drawdown,
    record_interest,
    record_repayment,
    register_loan,
    repaid,
)
from techfund.subsidies.services.rates import correct_rate, rate_points, record_rate, seed_published

__all__ = [
    "PURPOSE",
    "Evaluation",
    "approve_claim",
    "commitment_left",
    "correct_rate",
    "drawn",
    "earlier_claim",
    "enterprise_used",
    "evaluate",
    "export_claims",
    "file_claim",
    "instruct_claim",
    "on_confirmed",
    "on_returned",
    "preview",
    "projects_open_for",
    "rate_points",
    "record_drawdown",
    "record_interest",
    "record_rate",
    "record_repayment",
    "register_loan",
    "repaid",
    "seed_published",
    "submit_claim",
    "verify_claim",
]
