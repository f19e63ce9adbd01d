"""The services of budgets, adjustments (调剂) and spending — the only code that changes them."""

from techfund.budgets.services._common import current_amounts, fiscal_spent_by_category
from techfund.budgets.services.budget import (
    adjust_budget,
    adjustment_rules,
    check_moves,
    decide_adjustment,
    initial_lines,
    open_budget,
    pending_request,
    versions,
)
from techfund.budgets.services.exports import export_rates, rates_report
from techfund.budgets.services.spending import (
    import_expenditures,
    read_extract,
    record_expenditure,
    spent_total,
)

__all__ = [
    "adjust_budget",
    "adjustment_rules",
    "check_moves",
    "current_amounts",
    "decide_adjustment",
    "export_rates",
    "fiscal_spent_by_category",
    "import_expenditures",
    "initial_lines",
    "open_budget",
    "pending_request",
    "rates_report",
    "read_extract",
    "record_expenditure",
    "spent_total",
    "versions",
]
