"""Who may do what with the annual fund (django-rules predicates, declared with ``define``).

Scope (what a person may *see*) lives in ``scopes.py``; these rules say what they may *do* with
what they see. The first role listed for a permission is the acting role recorded in the trail.
"""

import rules

from techfund.core.enums import Role
from techfund.core.permissions import define
from techfund.core.predicates import (
    is_department_officer,
    is_fund_reader,
    is_leading_group,
    is_office,
)


@rules.predicate
def is_officer_of_contribution_department(user, contribution) -> bool:
    return contribution is not None and contribution.department_id in user.department_ids()


#: Sees the fund year and its frameworks (every department officer does; applicants and experts do not).
can_see_fund = is_fund_reader | is_department_officer

READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)

define("funds.view_fund_year", (*READERS, Role.DEPARTMENT), can_see_fund)
define("funds.view_framework", (*READERS, Role.DEPARTMENT), can_see_fund)
define(
    "funds.view_contribution",
    (*READERS, Role.DEPARTMENT),
    is_fund_reader | (is_department_officer & is_officer_of_contribution_department),
)

# 领导小组办公室: sets up the year, records and voids contributions, proposes the framework.
define("funds.open_fund_year", (Role.OFFICE,), is_office)
define("funds.record_contribution", (Role.OFFICE,), is_office)
define("funds.void_contribution", (Role.OFFICE,), is_office)
define("funds.propose_framework", (Role.OFFICE,), is_office)
define("funds.update_framework", (Role.OFFICE,), is_office)
define("funds.submit_framework", (Role.OFFICE,), is_office)

# 领导小组: decides the framework.
define("funds.approve_framework", (Role.LEADING_GROUP,), is_leading_group)
define("funds.return_framework", (Role.LEADING_GROUP,), is_leading_group)
