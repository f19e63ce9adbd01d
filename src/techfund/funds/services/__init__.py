"""The annual fund's services — the only code that changes fund data.

Each takes the record and a keyword-only ``actor``, runs in one transaction, checks the actor's
permission and scope, checks the transition is allowed, validates, moves money through the ledger
and writes the audit event, all or nothing.
"""

from techfund.funds.services.contributions import record_contribution, void_contribution
from techfund.funds.services.frameworks import (
    approve_framework,
    propose_framework,
    return_framework,
    submit_framework,
    update_framework,
)
from techfund.funds.services.fund_years import open_fund_year, summary

__all__ = [
    "approve_framework",
    "open_fund_year",
    "propose_framework",
    "record_contribution",
    "return_framework",
    "submit_framework",
    "summary",
    "update_framework",
    "void_contribution",
]
