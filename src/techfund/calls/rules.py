"""Who may do what with calls (申报指南). Scope (what a person may *see*) lives in ``scopes.py``.

The office writes, publishes, closes and cancels calls; everyone who runs or oversees the fund
reads them; published calls are public (no rule needed to read them, see ``scopes.public_calls``).
"""

from techfund.core.enums import Role
from techfund.core.permissions import define
from techfund.core.predicates import (
    is_applicant,
    is_department_officer,
    is_expert,
    is_fund_reader,
    is_office,
)

define(
    "calls.view_call",
    (
        Role.OFFICE,
        Role.LEADING_GROUP,
        Role.FINANCE,
        Role.AUDITOR,
        Role.DEPARTMENT,
        Role.APPLICANT,
        Role.EXPERT,
    ),
    is_fund_reader | is_department_officer | is_applicant | is_expert,
)
define("calls.create_call", (Role.OFFICE,), is_office)
define("calls.update_call", (Role.OFFICE,), is_office)
define("calls.publish_call", (Role.OFFICE,), is_office)
define("calls.close_call", (Role.OFFICE,), is_office)
define("calls.cancel_call", (Role.OFFICE,), is_office)
