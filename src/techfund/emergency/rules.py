"""Who may do what with emergency requests (一事一议). Scope is in ``scopes.py``.

The office submits (领导小组办公室提出), the leading group decides (领导小组审定); the fund's readers
see every request, a department officer the requests of their department (which will sign the
contract as 甲方). Applicants see the project once it exists, not the internal request.
"""

import rules

from techfund.core.enums import Role
from techfund.core.permissions import define
from techfund.core.predicates import is_department_officer, is_fund_reader, is_leading_group, is_office


@rules.predicate
def manages_request(user, request) -> bool:
    return request is not None and request.department_id in user.department_ids()


READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)

define(
    "emergency.view_request",
    (*READERS, Role.DEPARTMENT),
    is_fund_reader | (is_department_officer & manages_request),
)
define("emergency.submit", (Role.OFFICE,), is_office)
define("emergency.decide", (Role.LEADING_GROUP,), is_leading_group)
