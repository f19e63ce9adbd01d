"""The services of risk compensation — the only code that creates and moves partner banks, pools,
covered loans, filings, claims and recoveries. Each takes a keyword-only ``actor`` (and ``today=``
for the date of the act), runs in one transaction, checks permission and scope, moves money through
the ledger and writes the audit events."""

from techfund.riskpool.services.banks import fund_pool, open_pool, register_bank, return_balance
from techfund.riskpool.services.claims import (
    PURPOSE,
    approve_claim,
    enterprise_compensated,
    instruct_payment,
    on_confirmed,
    on_returned,
    review_claim,
    steps,
    submit_claim,
)
from techfund.riskpool.services.exports import export_register
from techfund.riskpool.services.loans import (
    covered_balance,
    eligibility_problems,
    file_month,
    loan_gaps,
    register_loan,
)
from techfund.riskpool.services.recoveries import record_recovery, recovered_on_claim

__all__ = [
    "PURPOSE",
    "approve_claim",
    "covered_balance",
    "eligibility_problems",
    "export_register",
    "enterprise_compensated",
    "file_month",
    "fund_pool",
    "instruct_payment",
    "loan_gaps",
    "on_confirmed",
    "on_returned",
    "open_pool",
    "record_recovery",
    "recovered_on_claim",
    "register_bank",
    "register_loan",
    "return_balance",
    "review_claim",
    "steps",
    "submit_claim",
]
