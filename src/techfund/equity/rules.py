"""Who may do what with equity investments. Scope (which investments a person sees) is in
``scopes.py``; ``require(..., visible=...)`` answers 404 outside it.

- the office (领导小组办公室) registers the investment (investment agreement, vehicle, valuation, cap
  table, stages), records a 先投后股 conversion, and proposes write-offs and exits;
- finance instructs the staged payments (直通车) and confirms write-offs and exits (receipt of the
  proceeds) — never the person who proposed them;
- the fund's readers (office, leading group, finance, auditor) read the whole portfolio; the managing
  department and the investee read their own investments.
"""

from techfund.core.enums import Role
from techfund.core.permissions import can, define
from techfund.core.predicates import (
    is_applicant,
    is_department_officer,
    is_finance,
    is_fund_reader,
    is_office,
)
from techfund.equity.enums import StepState
from techfund.projects.rules import implements_project, manages_project

READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)

define(
    "equity.view",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader | (is_department_officer & manages_project) | (is_applicant & implements_project),
)
define("equity.export", READERS, is_fund_reader)
define("equity.register", (Role.OFFICE,), is_office)
define("equity.convert", (Role.OFFICE,), is_office)
define("equity.pay", (Role.FINANCE,), is_finance)
define("equity.propose_write_off", (Role.OFFICE,), is_office)
define("equity.confirm_write_off", (Role.FINANCE,), is_finance)
define("equity.propose_exit", (Role.OFFICE,), is_office)
define("equity.confirm_exit", (Role.FINANCE,), is_finance)


def may_confirm(user, step, perm: str) -> bool:
    """Whether to show ``user`` the confirm form of a write-off or an exit (the services check more)."""
    return step.state == StepState.PROPOSED and step.proposed_by_id != user.pk and can(user, perm, step)
