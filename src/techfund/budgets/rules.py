"""Who may do what with project budgets, adjustments (调剂) and spending. Scope (which records a person
may see) is in ``scopes.py``; ``require(..., visible=...)`` answers 404 outside it.

- The implementing unit records adjustments (delegated ones take effect at once; the others become
  requests) and its spending (支出登记), one by one or from an Excel ledger extract.
- The managing department approves or rejects the requests — never the person who made it.
- The office, the leading group, finance and the auditor read everything; the department reads its
  domain, the unit its own projects.
"""

from techfund.budgets.enums import AdjustmentState
from techfund.core.enums import Role
from techfund.core.permissions import can, define
from techfund.core.predicates import is_applicant, is_department_officer, is_fund_reader
from techfund.projects.rules import implements_project, manages_project

READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)

define(
    "budgets.view",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader | (is_department_officer & manages_project) | (is_applicant & implements_project),
)
# The rates page and its export are filtered by scope: whoever has projects in scope.
define(
    "budgets.export",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader | is_department_officer | is_applicant,
)
define("budgets.adjust", (Role.APPLICANT,), is_applicant & implements_project)
define("budgets.decide", (Role.DEPARTMENT,), is_department_officer & manages_project)
define("budgets.record_expenditure", (Role.APPLICANT,), is_applicant & implements_project)


def may_decide(user, adjustment) -> bool:
    """Whether to show the approval form (the service checks the same, and more)."""
    return (
        adjustment.state == AdjustmentState.REQUESTED
        and adjustment.requested_by_id != user.pk
        and can(user, "budgets.decide", adjustment)
    )
